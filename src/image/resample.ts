/**
 * Resizes that reproduce Pillow's `Image.resize(size, Image.BICUBIC)` and
 * `Image.resize(size, Image.BILINEAR)` bit for bit (libImaging/Resample.c, 8 bits per channel):
 * separable convolution with the cubic kernel (a = -0.5, support 2) or the triangle kernel
 * (support 1), the kernel widened by the scale factor when shrinking, coefficients normalised to sum 1 and then
 * quantised to 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and
 * clamped to 0..255. A pass whose dimension does not change is skipped, as Pillow does.
 *
 * Two implementations of the passes share the tables and the plan (`resample-common.ts`):
 * `resizeJs` below, the reference, and a WebAssembly SIMD one (`resample-wasm.ts`, several
 * times faster) that must give the same bytes. `resize` uses WebAssembly when the runtime
 * supports SIMD, else the JS reference; the passes take any taps, so both filters share them.
 *
 * Pure: no IO. Allocation is per call (coefficient tables and pixel buffers), never per pixel;
 * the only state is the WebAssembly instance `resample-wasm.ts` keeps per thread.
 */
import {
  BICUBIC,
  HALF as COMMON_HALF,
  PRECISION_BITS as COMMON_PRECISION_BITS,
  type Coefficients,
  copyWindow,
  planResize,
  type ResampleFilter,
  type Window,
} from "./resample-common.js";
import { resizeWasm, wasmResamplerAvailable } from "./resample-wasm.js";
import type { RgbImage } from "./types.js";

export type { Coefficients, ResampleFilter, Window } from "./resample-common.js";
export {
  BICUBIC,
  BILINEAR,
  bicubicCoefficients,
  bicubicKernel,
  bilinearKernel,
  copyWindow,
  filterCoefficients,
} from "./resample-common.js";
export { resizeBicubicWasm, resizeWasm, wasmResamplerAvailable } from "./resample-wasm.js";

// Module-local copies: V8 folds these into the loops below, not the imported bindings (~5%).
const PRECISION_BITS = COMMON_PRECISION_BITS;
const HALF = COMMON_HALF;

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

/** `resizeJs` with the bicubic filter. */
export function resizeBicubicJs(
  img: RgbImage,
  width: number,
  height: number,
  window?: Window,
): RgbImage {
  return resizeJs(img, width, height, window, BICUBIC);
}

/**
 * The reference implementation of `resize`, in plain JS (same arguments and result). Used when
 * WebAssembly SIMD is unavailable, and by the tests as the oracle for the wasm one.
 */
export function resizeJs(
  img: RgbImage,
  width: number,
  height: number,
  window?: Window,
  filter: ResampleFilter = BICUBIC,
): RgbImage {
  const { win, horiz, vert, firstRow, rows } = planResize(img, width, height, window, filter);
  const inW = img.width;
  const size = { width: win.width, height: win.height };
  if (!horiz && !vert) return { ...size, data: copyWindow(img.data, inW, win) };
  let data: Uint8Array;
  if (horiz) {
    const out = new Uint8ClampedArray(win.width * rows * 3);
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
  window?: Window,
): RgbImage {
  return resize(img, width, height, window, BICUBIC);
}

/**
 * Resizes an RGB image to `width` x `height` exactly as Pillow's
 * `Image.resize((width, height), filter)` does, for `BICUBIC` (3) or `BILINEAR` (2); `window` as
 * for `resizeBicubic`.
 */
export function resize(
  img: RgbImage,
  width: number,
  height: number,
  window: Window | undefined,
  filter: ResampleFilter,
): RgbImage {
  return wasmResamplerAvailable()
    ? resizeWasm(img, width, height, window, filter)
    : resizeJs(img, width, height, window, filter);
}
