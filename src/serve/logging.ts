/**
 * The server's logger (pino through fastify): JSON lines, and never a credential. Headers are
 * logged (so a leak would show in tests rather than hide) with every credential-looking header
 * censored, and credential-looking query parameters (`api_key`, `token`, …) are censored in
 * the logged URL.
 */
import type { FastifyServerOptions } from "fastify";
import type { ServeOptions } from "./options.js";

/** Header names (lower case) whose values are never logged. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-access-token|x-csrf-token)$|(token|secret|password|api[-_]?key|session)/i;

/** Query parameter names whose values are never logged. */
const SECRET_PARAM =
  /^(api[-_]?key|apikey|key|token|access[-_]?token|auth|authorization|password|passwd|pwd|secret|sig|signature|session)$/i;

export const CENSORED = "[redacted]";

/** The headers with every credential-looking value replaced. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADER.test(k) ? CENSORED : v;
  return out;
}

/** The request URL with credential-looking query parameter values replaced. */
export function redactRequestUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const raw = eq < 0 ? pair : pair.slice(0, eq);
      let name = raw;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, " "));
      } catch {
        // keep the raw name
      }
      return eq >= 0 && SECRET_PARAM.test(name) ? `${raw}=${CENSORED}` : pair;
    });
  return `${url.slice(0, q)}?${params.join("&")}`;
}

export function loggerOptions(o: ServeOptions): FastifyServerOptions["logger"] {
  if (o.logger === false) return false;
  return {
    level: o.logger?.level ?? "info",
    stream: o.logger?.destination ?? process.stderr,
    serializers: {
      req: (req: {
        method: string;
        url: string;
        ip: string;
        headers: Record<string, unknown>;
      }) => ({
        method: req.method,
        url: redactRequestUrl(req.url),
        remoteAddress: req.ip,
        headers: redactHeaders(req.headers),
      }),
    },
  } as FastifyServerOptions["logger"];
}
