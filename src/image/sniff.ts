/**
 * Naming bytes that are not an image, for error messages ("not an image (text/html?)").
 * Pure: no IO.
 */

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  if (bytes.length < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) {
    if (bytes[i] !== ascii.charCodeAt(i)) return false;
  }
  return true;
}

/** True when the first bytes look like text (UTF-8 without control characters). */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(head);
  } catch {
    // A multi-byte character cut at the end of the sample is still text.
    if (head.length < 4) return false;
    return looksLikeText(head.subarray(0, head.length - 3));
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7f || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d)) {
      return false;
    }
  }
  return true;
}

/** A guessed media type for bytes that failed to decode as an image, or undefined. */
export function guessNonImageType(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 512);
  if (startsWith(head, "%PDF")) return "application/pdf";
  if (startsWith(head, "PK\x03\x04")) return "application/zip";
  if (startsWith(head, "\x1f\x8b")) return "application/gzip";
  if (!looksLikeText(head)) return undefined;
  const start = new TextDecoder().decode(head).trimStart().slice(0, 64).toLowerCase();
  if (start.startsWith("<!doctype html") || start.startsWith("<html")) return "text/html";
  if (start.startsWith("<?xml") || start.startsWith("<")) return "text/xml";
  if (start.startsWith("{") || start.startsWith("[")) return "application/json";
  return "text/plain";
}

/** The PNG colour type from the IHDR chunk (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
export function pngColourType(bytes: Uint8Array): number | undefined {
  if (bytes.length < 26 || !startsWith(bytes, "\x89PNG\r\n\x1a\n")) return undefined;
  if (!startsWith(bytes.subarray(12), "IHDR")) return undefined;
  return bytes[25];
}
