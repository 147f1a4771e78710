/**
 * Conversion of decoded pixels (grey, grey+alpha, RGB, RGBA) to RGB the way Hugging Face's
 * `convert_to_rgb` does with Pillow: an RGB image is kept; anything else becomes RGBA and is
 * alpha-composited (`Image.alpha_composite`) over an opaque white background, then the alpha
 * is dropped. The arithmetic is Pillow's integer AlphaComposite.c, so results are bit-exact.
 *
 * Pure: no IO.
 */
import type { RgbImage } from "./types.js";

/** AlphaComposite.c's extra precision bits. */
const PRECISION_BITS = 7;

/** `((a >> 8) + a) >> 8`: Pillow's fast division by 255 (exact for the ranges used here). */
function shiftForDiv255(a: number): number {
  return ((a >>> 8) + a) >>> 8;
}

/**
 * One channel of Pillow's `alpha_composite(dst, src)` for an 8-bit source value `v` with alpha
 * `a` over a destination value `bg` with alpha `bgAlpha`.
 */
export function pilAlphaComposite(v: number, a: number, bg: number, bgAlpha: number): number {
  if (a === 0) return bg;
  const blend = bgAlpha * (255 - a);
  const outa255 = a * 255 + blend;
  const coef1 = Math.floor((a * 255 * 255 * (1 << PRECISION_BITS)) / outa255);
  const coef2 = 255 * (1 << PRECISION_BITS) - coef1;
  const tmp = v * coef1 + bg * coef2;
  return shiftForDiv255(tmp + (0x80 << PRECISION_BITS)) >>> PRECISION_BITS;
}

let whiteLut: Uint8Array | undefined;

/** `lut[a * 256 + v]`: value `v` with alpha `a` composited over opaque white. */
function overWhiteLut(): Uint8Array {
  if (!whiteLut) {
    const lut = new Uint8Array(256 * 256);
    for (let a = 0; a < 256; a++) {
      for (let v = 0; v < 256; v++) lut[a * 256 + v] = pilAlphaComposite(v, a, 255, 255);
    }
    whiteLut = lut;
  }
  return whiteLut;
}

/**
 * Interleaved 8-bit pixels with 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels to
 * RGB, compositing any alpha over white as `convert_to_rgb` does. Grey is replicated.
 * With `ignoreAlpha`, alpha is dropped instead (Pillow keeps an RGB PNG whose tRNS chunk marks a
 * transparent colour as plain RGB, so `convert_to_rgb` leaves it alone).
 * `pixels` may be a view into a larger buffer; it is not modified.
 */
export function toRgb(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  ignoreAlpha = false,
): RgbImage {
  const n = width * height;
  if (pixels.length < n * channels) {
    throw new RangeError(`pixel buffer has ${pixels.length} bytes, expected ${n * channels}`);
  }
  if (channels === 3) return { width, height, data: pixels.slice(0, n * 3) };
  const out = new Uint8Array(n * 3);
  if (ignoreAlpha && (channels === 2 || channels === 4)) {
    for (let i = 0, p = 0, o = 0; i < n; i++, p += channels, o += 3) {
      out[o] = pixels[p];
      out[o + 1] = pixels[channels === 4 ? p + 1 : p];
      out[o + 2] = pixels[channels === 4 ? p + 2 : p];
    }
    return { width, height, data: out };
  }
  if (channels === 1) {
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const v = pixels[i];
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  } else if (channels === 2) {
    const lut = overWhiteLut();
    for (let i = 0, p = 0, o = 0; i < n; i++, p += 2, o += 3) {
      const v = lut[(pixels[p + 1] << 8) | pixels[p]];
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  } else if (channels === 4) {
    const lut = overWhiteLut();
    for (let i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
      const row = pixels[p + 3] << 8;
      out[o] = lut[row | pixels[p]];
      out[o + 1] = lut[row | pixels[p + 1]];
      out[o + 2] = lut[row | pixels[p + 2]];
    }
  } else {
    throw new RangeError(`cannot convert ${channels} channels to RGB`);
  }
  return { width, height, data: out };
}

/** `(a * b + 127) / 255` the way Pillow computes it (MULDIV255). */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * Interleaved 8-bit CMYK (not inverted: 0 = no ink) to RGB with Pillow's naive formula
 * (`Image.convert("RGB")` from mode CMYK, Convert.c `cmyk2rgb`); no colour management.
 */
export function cmykToRgb(pixels: Uint8Array, width: number, height: number): RgbImage {
  const n = width * height;
  if (pixels.length < n * 4) {
    throw new RangeError(`pixel buffer has ${pixels.length} bytes, expected ${n * 4}`);
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
    const nk = 255 - pixels[p + 3];
    // nk - mulDiv255(c, nk) is always within 0..nk, so Pillow's CLIP8 never clips here.
    out[o] = nk - mulDiv255(pixels[p], nk);
    out[o + 1] = nk - mulDiv255(pixels[p + 1], nk);
    out[o + 2] = nk - mulDiv255(pixels[p + 2], nk);
  }
  return { width, height, data: out };
}
