/**
 * OpenAPI generated from the route schemas (`GET /openapi.json`) and the API docs page
 * (`/docs`, Swagger UI served from its npm package: no CDN, works offline). Registered before
 * any route so every route's schema is collected.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { packageVersion } from "../../util/version.js";

export async function installDocs(app: FastifyInstance, withKey: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "zeroclip",
        version: packageVersion(),
        description:
          "Zero-shot image classification and CLIP embeddings over HTTP. Errors are always " +
          '`{"error": {"message", "type", "code"}}` (`code`: a stable code, docs/errors.md). ' +
          "See docs/serve.md.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      },
      security: withKey ? [{ bearer: [] }] : [],
      tags: [
        { name: "classify", description: "zero-shot classification" },
        { name: "embeddings", description: "CLIP embeddings (OpenAI-compatible)" },
        { name: "describe", description: "CuPL class descriptions from an LLM" },
        { name: "operations", description: "health, readiness, metrics, configuration" },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { validatorUrl: null },
    // The plugin's CSP (script and style hashes of its page), made stricter: no framing, no
    // outside validator, and no https upgrade (the server usually speaks plain http).
    staticCSP: true,
    transformStaticCSP: (csp: string) =>
      csp
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(" validator.swagger.io", "")
        .replace(/\s*upgrade-insecure-requests;?/, ""),
  });
  // The headers the web page sends, on the API docs too.
  app.addHook("onSend", async (request, reply, payload) => {
    if (request.url === "/docs" || request.url.startsWith("/docs/")) {
      reply.header("x-content-type-options", "nosniff");
      reply.header("x-frame-options", "DENY");
      reply.header("referrer-policy", "no-referrer");
    }
    return payload;
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
