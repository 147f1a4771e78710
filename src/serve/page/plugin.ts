/**
 * Serves the web page: `/` (HTML), `/assets/app.js` (the bundle of src/browser/page/, made at
 * build time), `/assets/app.css` and Chart.js's UMD build from its npm package
 * (`/assets/chart.umd.js`), all from this process, with a content security policy that lets
 * the page talk to this server only.
 */
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { PAGE_SCRIPT } from "../../browser/bundles.generated.js";
import { chartJsSource } from "../../eval/report.js";
import type { ServeContext } from "../context.js";
import { PAGE_HTML } from "./html.js";
import { PAGE_CSS } from "./style.js";

/** Images may come from anywhere the user points (URL inputs) or from local blobs. */
const CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

function send(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply
    .type(type)
    .header("cache-control", "no-cache")
    .header("x-content-type-options", "nosniff")
    .send(body);
}

export const pageRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app) => {
  const hide = { schema: { hide: true } };
  app.get("/", hide, async (_request, reply) =>
    send(reply.header("content-security-policy", CSP), "text/html; charset=utf-8", PAGE_HTML),
  );
  app.get("/assets/app.js", hide, async (_request, reply) =>
    send(reply, "text/javascript; charset=utf-8", PAGE_SCRIPT),
  );
  app.get("/assets/app.css", hide, async (_request, reply) =>
    send(reply, "text/css; charset=utf-8", PAGE_CSS),
  );
  app.get("/assets/chart.umd.js", hide, async (_request, reply) =>
    send(reply, "text/javascript; charset=utf-8", await chartJsSource()),
  );
};
