/**
 * Browser-origin safety for a server without an API key, where whoever can send a request can
 * use it. A web page on another site may make the browser send "simple" requests (a multipart
 * POST) to the server, and a DNS-rebinding name may make its scripts same-origin with it:
 * requests whose `Host` is not the server's own (an IP address, `localhost`, or a name it is
 * told to answer to) and requests whose `Origin` is neither the server itself nor a `--cors`
 * origin get 403. Clients that are not browsers send no `Origin` and are not affected.
 * With an API key these checks are off: a foreign page cannot know the key.
 */
import type { FastifyInstance } from "fastify";
import { isIpLiteral } from "../image/address-policy.js";
import { ApiError, sendError } from "./errors.js";

/** The host name of a `Host` header (port and IPv6 brackets removed), lower case. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** True when a `Host` header names this server: an IP literal, localhost, or an allowed name. */
export function hostAllowed(host: string | undefined, names: ReadonlySet<string>): boolean {
  if (host === undefined || host === "") return false;
  const name = hostName(host);
  return (
    isIpLiteral(name) || name === "localhost" || name.endsWith(".localhost") || names.has(name)
  );
}

/** True when an `Origin` header is this server's own origin (same host) or an allowed one. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and junk
  }
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    host !== undefined &&
    url.host === host.toLowerCase()
  );
}

export function installOriginChecks(
  app: FastifyInstance,
  opts: { allowedHosts: readonly string[]; corsOrigins: readonly string[] },
): void {
  const names = new Set(opts.allowedHosts.map((h) => hostName(h)));
  for (const o of opts.corsOrigins) {
    try {
      names.add(new URL(o).hostname.toLowerCase());
    } catch {
      // not a URL origin: nothing to add
    }
  }
  app.addHook("onRequest", async (request, reply) => {
    // Liveness probes come from anywhere (a load balancer) and reveal nothing.
    if (request.routeOptions.url === "/health") return;
    const host = request.headers.host;
    if (!hostAllowed(host, names)) {
      return sendError(
        reply,
        new ApiError(
          403,
          "forbidden_host",
          "this server does not answer to that Host name (start it with --allowed-host NAME)",
        ),
      );
    }
    if (!originAllowed(request.headers.origin, host, opts.corsOrigins)) {
      return sendError(
        reply,
        new ApiError(
          403,
          "forbidden_origin",
          "cross-origin requests are refused (allow an origin with --cors ORIGIN)",
        ),
      );
    }
  });
}
