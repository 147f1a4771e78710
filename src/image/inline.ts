/**
 * Images given as strings by a remote caller (an HTTP request): an http(s) URL, a `data:` URI
 * or raw base64. Nothing here ever names a local file: a string that is none of the three is
 * refused, so a server never reads its own disk on a caller's behalf.
 */
import { InputError } from "../util/errors.js";
import { type ImageSource, isHttpUrl } from "./source.js";

export interface InlineImageOptions {
  /** Accept http(s) URLs (default true); when false a URL is an `InputError`. */
  allowUrls?: boolean;
}

/**
 * Standard or URL-safe base64, whitespace allowed, padding optional: at least one data
 * character, then at most two `=`, then only whitespace. One pass over the text (no regex, so
 * no backtracking: a hostile 20 MB string costs one linear scan).
 */
export function isBase64Text(s: string): boolean {
  let data = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (c === 0x3d) {
      if (++pad > 2) return false;
    } else if (pad > 0) {
      if (!space) return false;
    } else if (
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2f ||
      c === 0x5f ||
      c === 0x2d
    ) {
      data++;
    } else if (!space) {
      return false;
    }
  }
  return data > 0;
}

/** The bytes of a `data:` URI (base64 or percent-encoded payload). */
function dataUriBytes(uri: string): Uint8Array {
  const comma = uri.indexOf(",");
  if (comma < 0)
    throw new InputError("malformed data: URI (no comma before the data)", "image_data_invalid");
  const meta = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  if (/;base64$/i.test(meta)) return base64Bytes(payload, "data: URI");
  return percentDecode(payload);
}

/** URL percent-decoding to bytes (`%ff` is the byte 0xff, not UTF-8). */
function percentDecode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/i.test(hex))
        throw new InputError("malformed data: URI (bad percent-encoding)", "image_data_invalid");
      out[n++] = Number.parseInt(hex, 16);
      i += 2;
    } else if (c < 0x80) {
      out[n++] = c;
    } else {
      throw new InputError("malformed data: URI (non-ASCII character)", "image_data_invalid");
    }
  }
  if (n === 0) throw new InputError("data: URI holds no bytes", "image_data_invalid");
  return out.subarray(0, n);
}

function base64Bytes(text: string, what: string): Uint8Array {
  if (!isBase64Text(text))
    throw new InputError(`${what} is not valid base64`, "image_data_invalid");
  const buf = Buffer.from(text, "base64");
  if (buf.length === 0) throw new InputError(`${what} holds no bytes`, "image_data_invalid");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * An image source from a caller's string: an http(s) URL stays a URL (downloaded later, with
 * the fetch caps), a `data:` URI or base64 text becomes bytes. Throws `InputError` for anything
 * else (file paths and `file:` URLs included) and for URLs when `allowUrls` is false.
 */
export function parseInlineImage(input: string, opts: InlineImageOptions = {}): ImageSource {
  const s = input.trim();
  if (s === "") throw new InputError("empty image string", "image_data_invalid");
  if (isHttpUrl(s)) {
    if (opts.allowUrls === false) {
      throw new InputError(
        "URL inputs are turned off on this server: send a data: URI or base64",
        "url_inputs_disabled",
      );
    }
    return s;
  }
  if (/^data:/i.test(s)) return dataUriBytes(s);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new InputError(
      `unsupported URL scheme ${s.slice(0, s.indexOf(":") + 1)} (use http(s))`,
      "url_refused",
    );
  }
  if (!isBase64Text(s)) {
    throw new InputError(
      "not an http(s) URL, a data: URI or base64 image data (the server never reads file paths)",
      "image_data_invalid",
    );
  }
  return base64Bytes(s, "base64 image data");
}
