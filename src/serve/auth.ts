/**
 * Bearer-key authentication. With a key, every route but the open ones answers 401 without
 * `Authorization: Bearer <key>`. The comparison hashes both sides to equal-length digests and
 * compares them in constant time, so neither the key's length nor its prefix leaks through
 * timing. The key is never logged (the logger redacts the header) nor sent back.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { ApiError, sendError } from "./errors.js";

/**
 * Routes open without a key, by their route pattern (never the raw URL, so no path trick can
 * reach a closed route through an open prefix): liveness, and the static files of the web page
 * and the API docs (the same bytes for everyone; no model, no data). A browser cannot attach a
 * key to a page load, so the page asks for the key and sends it with every API call.
 */
export function isOpenRoute(pattern: string | undefined): boolean {
  if (pattern === undefined) return false;
  return (
    pattern === "/health" ||
    pattern === "/" ||
    pattern.startsWith("/assets/") ||
    pattern === "/docs" ||
    pattern.startsWith("/docs/") ||
    pattern === "/openapi.json"
  );
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** True when `header` is `Bearer <key>` (constant time in the key). */
export function bearerMatches(header: string | undefined, keyDigest: Buffer): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  // Compare even when the header is missing, so both paths cost the same.
  const given = digest(m ? m[1].trim() : "");
  return timingSafeEqual(given, keyDigest) && m !== null;
}

export function installAuth(app: FastifyInstance, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  if (apiKey.trim() === "") throw new Error("the API key is empty");
  const keyDigest = digest(apiKey);
  app.addHook("onRequest", async (request, reply) => {
    // CORS preflights carry no credentials by design; they reveal nothing.
    if (request.method === "OPTIONS") return;
    if (isOpenRoute(request.routeOptions.url)) return;
    if (bearerMatches(request.headers.authorization, keyDigest)) return;
    reply.header("www-authenticate", 'Bearer realm="zeroclip"');
    return sendError(
      reply,
      new ApiError(
        401,
        "unauthorized",
        "missing or wrong API key: send Authorization: Bearer <key>",
      ),
    );
  });
}
