/**
 * What both resampler implementations share (the JS reference in `resample.ts`, the WebAssembly
 * SIMD one in `resample-wasm.ts`): Pillow's kernels (bicubic and bilinear) and fixed-point
 * coefficient tables, argument checks, and the plan of which passes run over which source rows.
 * Only the two passes differ between the implementations, so the tables, windows and row ranges
 * are identical by construction; the passes take any taps, so every filter shares them.
 *
 * Pure: no IO, no globals.
 */
import type { ResampleFilter, RgbImage } from "./types.js";

/** Pillow's `PRECISION_BITS`: 32 bits minus 8 for the value minus 2 for overshoot. */
export const PRECISION_BITS = 22;
/** Every sum starts at one half, so the final arithmetic shift rounds. */
export const HALF = 1 << (PRECISION_BITS - 1);
const FIXED_ONE = 1 << PRECISION_BITS;

/** PIL's filter ids (`Image.Resampling`) of the two filters implemented. */
export const BILINEAR = 2;
export const BICUBIC = 3;
export type { ResampleFilter } from "./types.js";

/** The cubic convolution kernel with a = -0.5, written in Pillow's evaluation order. */
export function bicubicKernel(x: number): number {
  const a = -0.5;
  const t = x < 0 ? -x : x;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Pillow's triangle filter (`bilinear_filter`, support 1). */
export function bilinearKernel(x: number): number {
  const t = x < 0 ? -x : x;
  return t < 1 ? 1 - t : 0;
}

/** Kernel and support (in source pixels at scale 1) of each filter, as Pillow's `filters`. */
const FILTERS: Record<ResampleFilter, { kernel: (x: number) => number; support: number }> = {
  [BILINEAR]: { kernel: bilinearKernel, support: 1 },
  [BICUBIC]: { kernel: bicubicKernel, support: 2 },
};

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

/** `filterCoefficients` with the bicubic filter. */
export function bicubicCoefficients(inSize: number, outSize: number): Coefficients {
  return filterCoefficients(inSize, outSize, BICUBIC);
}

/**
 * Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for resampling `inSize` samples to
 * `outSize` over the whole input (box 0..inSize) with `filter`.
 */
export function filterCoefficients(
  inSize: number,
  outSize: number,
  filter: ResampleFilter,
): Coefficients {
  const { kernel, support: filterSupport } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterSupport * filterScale;
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
      const v = kernel((x + xmin - center + 0.5) * ss);
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

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer`);
}

/** The work of one `resize` call, after validation. */
export interface ResizePlan {
  /** The window of the resized image to compute (the whole image by default). */
  win: Window;
  /** Horizontal taps of the window's columns; absent when the width does not change. */
  horiz?: Coefficients;
  /** Vertical taps of the window's rows; absent when the height does not change. */
  vert?: Coefficients;
  /**
   * Source rows `firstRow .. firstRow+rows` are the ones the vertical pass reads (or, without
   * one, the window's own rows); the horizontal pass processes only these, as Pillow does.
   */
  firstRow: number;
  rows: number;
}

/** Checks the arguments of a resize and computes the tables it needs. */
export function planResize(
  img: RgbImage,
  width: number,
  height: number,
  window: Window = { left: 0, top: 0, width, height },
  filter: ResampleFilter = BICUBIC,
): ResizePlan {
  if (!(filter in FILTERS)) throw new RangeError(`resample filter ${filter} is not implemented`);
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
  const horiz =
    width !== inW
      ? sliceCoefficients(filterCoefficients(inW, width, filter), win.left, win.width)
      : undefined;
  const vert =
    height !== inH
      ? sliceCoefficients(filterCoefficients(inH, height, filter), win.top, win.height)
      : undefined;
  const firstRow = vert ? vert.start[0] : win.top;
  const lastRow = vert
    ? vert.start[win.height - 1] + vert.count[win.height - 1]
    : win.top + win.height;
  return { win, horiz, vert, firstRow, rows: lastRow - firstRow };
}
