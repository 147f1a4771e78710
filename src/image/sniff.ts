/**
 * Naming bytes that are not an image, for error messages ("not an image (text/html?)").
 * Pure: no IO.
 */

import { crc32 } from "../util/crc32.js";

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

/**
 * Width and height from a PNG's IHDR chunk when it is well formed (length 13, sizes from 1 to
 * 2³¹ − 1, a valid bit depth and colour type, the chunk's CRC right); otherwise undefined.
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (pngColourType(bytes) === undefined || bytes.length < 33) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (view.getUint32(8) !== 13 || width === 0 || height === 0) return undefined;
  if (width > 0x7fffffff || height > 0x7fffffff) return undefined;
  if (![1, 2, 4, 8, 16].includes(bytes[24]) || ![0, 2, 3, 4, 6].includes(bytes[25])) {
    return undefined;
  }
  if (crc32(bytes.subarray(12, 29)) !== view.getUint32(29)) return undefined;
  return { width, height };
}

/** Width, height and component count from a JPEG's frame header (SOFn), as stored. */
export interface JpegFrame {
  width: number;
  height: number;
  components: number;
}

/**
 * The frame header of a baseline, extended, progressive or lossless JPEG, found by walking the
 * marker segments up to the first SOFn; undefined when the bytes are not a well-formed JPEG up
 * to that point (the decoder then reports what is wrong). Reads at most the header: no pixels.
 */
export function jpegFrame(bytes: Uint8Array): JpegFrame | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    // Fill bytes (0xFF 0xFF …) may pad before a marker.
    if (marker === 0xff) {
      i++;
      continue;
    }
    // Standalone markers carry no length: TEM and RSTn.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI or SOS before any frame
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < 2) return undefined;
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8 || i + 10 > bytes.length) return undefined;
      const height = (bytes[i + 5] << 8) | bytes[i + 6];
      const width = (bytes[i + 7] << 8) | bytes[i + 8];
      const components = bytes[i + 9];
      if (width === 0 || height === 0 || components === 0) return undefined;
      return { width, height, components };
    }
    i += 2 + length;
  }
  return undefined;
}
