/** Liveness (`/health`, always open) and readiness (`/ready`: both towers loaded and warm). */
import type { FastifyPluginAsync } from "fastify";
import type { ServeContext } from "../context.js";
import { ApiError, sendError } from "../errors.js";

const STATUS = {
  type: "object",
  properties: { status: { type: "string" } },
  required: ["status"],
} as const;

export const healthRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  app.get(
    "/health",
    {
      schema: {
        summary: "Liveness: the process answers (no key needed)",
        tags: ["operations"],
        security: [],
        response: { 200: STATUS },
      },
    },
    async () => ({ status: "ok" }),
  );
  app.get(
    "/ready",
    {
      schema: {
        summary: "Readiness: the model's towers are loaded and have run once",
        tags: ["operations"],
        response: { 200: STATUS, 503: { $ref: "Error#" } },
      },
    },
    async (_request, reply) =>
      ctx.ready
        ? { status: "ready" }
        : sendError(reply, new ApiError(503, "not_ready", "the model is still loading")),
  );
};
