/**
 * Per-client rate limits by route pattern: at most N requests per minute from one address
 * (a fixed one-minute window), beyond that 429 `rate_limited` with `Retry-After`. A small
 * in-process counter: one server, no shared store (behind several replicas, limit at the proxy).
 * The table of clients is bounded; when full, the oldest windows are dropped first.
 */
import type { FastifyInstance } from "fastify";
import { ApiError, sendError } from "./errors.js";

const WINDOW_MS = 60_000;
const MAX_CLIENTS = 10_000;

/** Put each route pattern of `perMinute` (e.g. `/v1/describe`) behind its limit; 0 = none. */
export function installRateLimits(
  app: FastifyInstance,
  perMinute: Readonly<Record<string, number>>,
  now: () => number = Date.now,
): void {
  const routes = new Map(Object.entries(perMinute).filter(([, n]) => n > 0));
  if (routes.size === 0) return;
  const windows = new Map<string, { start: number; count: number }>();
  app.addHook("onRequest", async (request, reply) => {
    const pattern = request.routeOptions.url;
    const max = pattern === undefined ? undefined : routes.get(pattern);
    if (max === undefined || request.method === "OPTIONS") return;
    const key = `${pattern} ${request.ip}`;
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= WINDOW_MS) {
      windows.delete(key);
      if (windows.size >= MAX_CLIENTS) {
        for (const [k, old] of windows) {
          if (windows.size < MAX_CLIENTS && t - old.start < WINDOW_MS) break;
          windows.delete(k);
        }
      }
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    if (++w.count <= max) return;
    const wait = Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
    return sendError(
      reply,
      new ApiError(
        429,
        "rate_limited",
        `more than ${max} requests per minute to ${pattern} from this client; retry in ${wait} s`,
        { "retry-after": String(wait) },
      ),
    );
  });
}
