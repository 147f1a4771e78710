/**
 * Bicubic resize that reproduces Pillow's `Image.resize(size, Image.BICUBIC)` bit for bit
 * (libImaging/Resample.c, 8 bits per channel): separable cubic convolution with a = -0.5, the
 * kernel widened by the scale factor when shrinking, coefficients normalised to sum 1 and then
 * quantised to 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and
 * clamped to 0..255. A pass whose dimension does not change is skipped, as Pillow does.
 *
 * Pure: no IO, no globals. Allocation is per call (coefficient tables and two pixel buffers),
 * never per pixel.
 */
import type { RgbImage } from "./types.js";

/** Pillow's `PRECISION_BITS`: 32 bits minus 8 for the value minus 2 for overshoot. */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const FIXED_ONE = 1 << PRECISION_BITS;

/** Pillow's bicubic support (in source pixels at scale 1). */
const SUPPORT = 2;

/** The cubic convolution kernel with a = -0.5, written in Pillow's evaluation order. */
export function bicubicKernel(x: number): number {
  const a = -0.5;
  const t = x < 0 ? -x : x;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per-output-sample taps of one resampling pass. */
export interface Coefficients {
  /** Taps per output sample in `weights` (the row stride; unused taps are 0). */
  ksize: number;
  /** For output sample i: `start[i]` is the first source index, `count[i]` the number of taps. */
  start: Int32Array;
  count: Int32Array;
  /** Fixed-point weights (scaled by 2^22), `ksize` per output sample. */
  weights: Int32Array;
}

/**
 * Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for resampling `inSize` samples to
 * `outSize` over the whole input (box 0..inSize).
 */
export function bicubicCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) conversion truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    const n = xmax - xmin;
    let sum = 0;
    for (let x = 0; x < n; x++) {
      const v = bicubicKernel((x + xmin - center + 0.5) * ss);
      w[x] = v;
      sum += v;
    }
    const base = xx * ksize;
    for (let x = 0; x < n; x++) {
      const v = sum !== 0 ? w[x] / sum : w[x];
      weights[base + x] =
        v < 0 ? Math.trunc(-0.5 + v * FIXED_ONE) : Math.trunc(0.5 + v * FIXED_ONE);
    }
    start[xx] = xmin;
    count[xx] = n;
  }
  return { ksize, start, count, weights };
}

/** Horizontal pass over `rows` source rows starting at `firstRow`; writes `rows` x `outW`. */
function horizontalPass(
  src: Uint8Array,
  srcW: number,
  firstRow: number,
  rows: number,
  outW: number,
  c: Coefficients,
  dst: Uint8ClampedArray,
): void {
  const { ksize, start, count, weights } = c;
  const srcStride = srcW * 3;
  let o = 0;
  for (let y = 0; y < rows; y++) {
    const rowOff = (y + firstRow) * srcStride;
    for (let xx = 0; xx < outW; xx++) {
      const n = count[xx];
      let k = xx * ksize;
      let p = rowOff + start[xx] * 3;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let i = 0; i < n; i++, k++, p += 3) {
        const wk = weights[k];
        // All sums stay within int32 (Pillow accumulates in a C int too).
        r = (r + Math.imul(src[p], wk)) | 0;
        g = (g + Math.imul(src[p + 1], wk)) | 0;
        b = (b + Math.imul(src[p + 2], wk)) | 0;
      }
      // Arithmetic shift floors; the clamped array saturates to 0..255 like Pillow's clip8.
      dst[o] = r >> PRECISION_BITS;
      dst[o + 1] = g >> PRECISION_BITS;
      dst[o + 2] = b >> PRECISION_BITS;
      o += 3;
    }
  }
}

/** Vertical pass: `outH` rows of `width` pixels; `rowShift` is subtracted from source rows. */
function verticalPass(
  src: Uint8Array,
  width: number,
  rowShift: number,
  outH: number,
  c: Coefficients,
  dst: Uint8ClampedArray,
): void {
  const { ksize, start, count, weights } = c;
  const stride = width * 3;
  const stride4 = stride - (stride % 4);
  for (let yy = 0; yy < outH; yy++) {
    const n = count[yy];
    const k0 = yy * ksize;
    const base = (start[yy] - rowShift) * stride;
    const o = yy * stride;
    let i = 0;
    // Four adjacent samples per sweep down the taps: shared weight loads, independent sums.
    for (; i < stride4; i += 4) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      let s3 = HALF;
      let p = base + i;
      for (let j = 0; j < n; j++, p += stride) {
        const wk = weights[k0 + j];
        s0 = (s0 + Math.imul(src[p], wk)) | 0;
        s1 = (s1 + Math.imul(src[p + 1], wk)) | 0;
        s2 = (s2 + Math.imul(src[p + 2], wk)) | 0;
        s3 = (s3 + Math.imul(src[p + 3], wk)) | 0;
      }
      dst[o + i] = s0 >> PRECISION_BITS;
      dst[o + i + 1] = s1 >> PRECISION_BITS;
      dst[o + i + 2] = s2 >> PRECISION_BITS;
      dst[o + i + 3] = s3 >> PRECISION_BITS;
    }
    for (; i < stride; i++) {
      let s = HALF;
      let p = base + i;
      for (let j = 0; j < n; j++, p += stride) s = (s + Math.imul(src[p], weights[k0 + j])) | 0;
      dst[o + i] = s >> PRECISION_BITS;
    }
  }
}

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer`);
}

/** A rectangle of the resized image: columns left..left+width, rows top..top+height. */
export interface Window {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The taps of output samples `from .. from+n` only (views, no copy). */
function sliceCoefficients(c: Coefficients, from: number, n: number): Coefficients {
  return {
    ksize: c.ksize,
    start: c.start.subarray(from, from + n),
    count: c.count.subarray(from, from + n),
    weights: c.weights.subarray(from * c.ksize, (from + n) * c.ksize),
  };
}

/** Rows `top..top+h`, columns `left..left+w` of an RGB buffer `srcW` pixels wide. */
export function copyWindow(src: Uint8Array, srcW: number, win: Window): Uint8Array {
  const out = new Uint8Array(win.width * win.height * 3);
  for (let y = 0; y < win.height; y++) {
    const from = ((win.top + y) * srcW + win.left) * 3;
    out.set(src.subarray(from, from + win.width * 3), y * win.width * 3);
  }
  return out;
}

/**
 * Resizes an RGB image to `width` x `height` exactly as Pillow's
 * `Image.resize((width, height), Image.BICUBIC)` does (no `reducing_gap`).
 * With `window`, only that rectangle of the resized image is computed and returned (each output
 * pixel depends only on its own taps, so the values are the same as cropping afterwards; a
 * centre crop then costs only the pixels it keeps). Returns a new image; an unchanged size
 * returns a copy.
 */
export function resizeBicubic(
  img: RgbImage,
  width: number,
  height: number,
  window: Window = { left: 0, top: 0, width, height },
): RgbImage {
  checkSize("width", width);
  checkSize("height", height);
  const inW = img.width;
  const inH = img.height;
  if (img.data.length !== inW * inH * 3) {
    throw new RangeError(`image data has ${img.data.length} bytes, expected ${inW * inH * 3}`);
  }
  const win = window;
  if (
    !Number.isInteger(win.left) ||
    !Number.isInteger(win.top) ||
    win.left < 0 ||
    win.top < 0 ||
    win.width < 1 ||
    win.height < 1 ||
    win.left + win.width > width ||
    win.top + win.height > height
  ) {
    throw new RangeError(`window ${JSON.stringify(win)} is outside ${width}x${height}`);
  }
  const needH = width !== inW;
  const needV = height !== inH;
  const size = { width: win.width, height: win.height };
  if (!needH && !needV) return { ...size, data: copyWindow(img.data, inW, win) };

  const vert = needV
    ? sliceCoefficients(bicubicCoefficients(inH, height), win.top, win.height)
    : undefined;
  // Source rows the vertical pass reads (or, without one, the window's own rows).
  const firstRow = vert ? vert.start[0] : win.top;
  const lastRow = vert
    ? vert.start[win.height - 1] + vert.count[win.height - 1]
    : win.top + win.height;
  const rows = lastRow - firstRow;
  let data: Uint8Array;
  if (needH) {
    const out = new Uint8ClampedArray(win.width * rows * 3);
    const horiz = sliceCoefficients(bicubicCoefficients(inW, width), win.left, win.width);
    horizontalPass(img.data, inW, firstRow, rows, win.width, horiz, out);
    data = new Uint8Array(out.buffer);
  } else {
    data = copyWindow(img.data, inW, {
      left: win.left,
      top: firstRow,
      width: win.width,
      height: rows,
    });
  }
  if (vert) {
    const out = new Uint8ClampedArray(win.width * win.height * 3);
    verticalPass(data, win.width, firstRow, win.height, vert, out);
    data = new Uint8Array(out.buffer);
  }
  return { ...size, data };
}
