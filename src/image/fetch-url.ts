/**
 * Downloading a URL image for a remote caller (the server), so that the caller cannot make the
 * server reach its own network: the host is resolved and every address it resolves to must be
 * public (address-policy.ts) unless `allowPrivate`; the connection goes to exactly the address
 * that was checked (the check runs inside the socket's own DNS lookup, so a name that resolves
 * differently a moment later, DNS rebinding, changes nothing); redirects are followed by hand,
 * at most `maxRedirects`, each hop checked again; the whole download has one time limit and
 * one byte limit. Errors say only "URL refused" or "could not fetch URL" (with the HTTP status
 * or the size limit when there is one): no port, errno or upstream reason phrase, so a caller
 * learns nothing about what answers where.
 *
 * The CLI does not use this: `zeroclip classify https://…` runs for the local user, who may
 * fetch from their own network (source.ts).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { InputErrorCode } from "../util/error-codes.js";
import { InputError } from "../util/errors.js";
import { isIpLiteral, isPublicAddress } from "./address-policy.js";

export interface UrlFetchOptions {
  /** Whole-download time limit, redirects included, in ms (default 30000). */
  timeoutMs?: number;
  /** Largest accepted body, in bytes (default 20 MiB). */
  maxBytes?: number;
  /** Redirects followed (default 3). */
  maxRedirects?: number;
  /** Allow loopback, private and link-local addresses (default false). */
  allowPrivate?: boolean;
  /** Which resolved addresses may be connected to (default: public ones, or all with allowPrivate). */
  addressAllowed?: (address: string) => boolean;
  /** Aborting stops the download at once (rejects with the signal's reason). */
  signal?: AbortSignal;
}

export const URL_FETCH_DEFAULTS = {
  timeoutMs: 30_000,
  maxBytes: 20 * 1024 * 1024,
  maxRedirects: 3,
} as const;

export const URL_REFUSED = "URL refused";
export const URL_NOT_FETCHED = "could not fetch URL";

/** The marker a refused lookup fails with (never shown to a caller). */
const REFUSED = "ZEROCLIP_URL_REFUSED";

function refused(): InputError {
  return new InputError(
    `${URL_REFUSED}: only http(s) URLs of public hosts are fetched by this server`,
    "url_refused",
  );
}

/** The server says as little as this of a URL it could not fetch (see docs/serve.md). */
function notFetched(detail?: string, code: InputErrorCode = "fetch_failed"): InputError {
  return new InputError(detail ? `${URL_NOT_FETCHED} (${detail})` : URL_NOT_FETCHED, code);
}

/** A DNS lookup that fails unless every address of the name may be fetched. */
function guardedLookup(allowed: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, found) => {
      const cb = callback as (
        e: NodeJS.ErrnoException | null,
        a?: string | LookupAddress[],
        f?: number,
      ) => void;
      if (err) return cb(err);
      const list = found as LookupAddress[];
      if (list.length === 0 || list.some((a) => !allowed(a.address))) {
        return cb(Object.assign(new Error("refused address"), { code: REFUSED }));
      }
      if ((options as { all?: boolean }).all) cb(null, list);
      else cb(null, list[0].address, list[0].family);
    });
  };
}

/** Throws the refusal for URLs that must not be fetched before any connection is made. */
function checkUrl(url: URL, allowed: (address: string) => boolean): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refused();
  if (url.username || url.password) throw refused();
  // The socket skips the DNS lookup for an IP literal: judge it here.
  if (isIpLiteral(url.hostname) && !allowed(url.hostname.replace(/^\[|\]$/g, ""))) {
    throw refused();
  }
}

function request(url: URL, lookup: LookupFunction, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, {
      method: "GET",
      lookup,
      signal,
      agent: false,
      headers: { accept: "image/*", "user-agent": "zeroclip" },
    });
    req.on("response", resolve);
    req.on("error", reject);
    req.end();
  });
}

async function readBody(res: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw notFetched(`larger than ${maxBytes} bytes`, "input_too_large");
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      res.destroy();
      throw notFetched(`larger than ${maxBytes} bytes`, "input_too_large");
    }
    chunks.push(chunk);
  }
  if (total === 0) throw notFetched("empty response");
  const buf = Buffer.concat(chunks, total);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Download `url` within the limits above; see the module comment. */
export async function fetchUrlImage(url: string, opts: UrlFetchOptions = {}): Promise<Uint8Array> {
  const timeoutMs = opts.timeoutMs ?? URL_FETCH_DEFAULTS.timeoutMs;
  const maxBytes = opts.maxBytes ?? URL_FETCH_DEFAULTS.maxBytes;
  const maxRedirects = opts.maxRedirects ?? URL_FETCH_DEFAULTS.maxRedirects;
  const allowed =
    opts.addressAllowed ?? (opts.allowPrivate ? () => true : (a: string) => isPublicAddress(a));
  const outer = opts.signal;
  if (outer?.aborted) throw outer.reason;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer!.reason);
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const timer = setTimeout(() => controller.abort(notFetched()), timeoutMs);
  const lookup = guardedLookup(allowed);
  try {
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      throw notFetched("malformed URL");
    }
    for (let hop = 0; ; hop++) {
      checkUrl(current, allowed);
      let res: IncomingMessage;
      try {
        res = await request(current, lookup, controller.signal);
      } catch (err) {
        if ((err as { code?: string }).code === REFUSED) throw refused();
        throw err;
      }
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.destroy();
        if (hop >= maxRedirects) throw notFetched(`more than ${maxRedirects} redirects`);
        try {
          current = new URL(res.headers.location, current);
        } catch {
          throw notFetched("malformed redirect");
        }
        continue;
      }
      if (status < 200 || status >= 300) {
        res.destroy();
        throw notFetched(`HTTP ${status}`);
      }
      return await readBody(res, maxBytes);
    }
  } catch (err) {
    // The caller's own abort (its deadline, its client gone) keeps its reason.
    if (outer?.aborted) throw outer.reason;
    if (err instanceof InputError) throw err;
    // Connection refused or reset, TLS failure, timeout: one message, so ports cannot be told apart.
    throw notFetched();
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
  }
}
