/**
 * The resampling passes of `resizeJs` (bicubic or bilinear) in WebAssembly SIMD (kernels: `resample.wat`, built
 * into `resample-wasm.generated.ts` by scripts/build-wasm.mjs), several times faster and giving
 * the same bytes: the coefficient tables and the plan (windows, row ranges, skipped passes) are
 * the JS ones from `resample-common.ts`; only the multiply-adds run in wasm.
 *
 * One instance per thread (module state), created on first use; its linear memory grows to the
 * largest image seen and is dropped after a call that needed more than `RETAIN_BYTES`.
 */
import {
  BICUBIC,
  copyWindow,
  planResize,
  type ResampleFilter,
  type Window,
} from "./resample-common.js";
import { RESAMPLE_WASM_BASE64 } from "./resample-wasm.generated.js";
import type { RgbImage } from "./types.js";

/** The part of the WebAssembly JS API used here (TypeScript types it only in lib.dom). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
/** The kernels take i32 arguments only (pointers, sizes, strides); see resample.wat. */
type Pass = (...args: number[]) => void;
interface Kernels {
  memory: WasmMemory;
  horizontal: Pass;
  vertical: Pass;
}
/** The instance of this thread, with views of its memory (renewed when the memory grows). */
interface State {
  k: Kernels;
  u8: Uint8Array;
  i16: Int16Array;
  i32: Int32Array;
}

const PAGE = 65536;
/** Memory kept between calls; above this (a very large image) the instance is dropped after use. */
const RETAIN_BYTES = 64 << 20;
/** Slack after every buffer: the kernels read and write up to 16 bytes past the end. */
const SLACK = 16;

let compiled: object | null | undefined;
let state: State | undefined;

function compile(): object | null {
  if (compiled === undefined) {
    compiled = null;
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      const bytes = new Uint8Array(Buffer.from(RESAMPLE_WASM_BASE64, "base64"));
      // Validation fails where SIMD is unsupported (or WebAssembly is disabled).
      if (api?.validate(bytes)) compiled = new api.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when this runtime can run the WebAssembly SIMD resampler. */
export function wasmResamplerAvailable(): boolean {
  return compile() !== null;
}

/** The thread's instance, its memory grown to at least `bytes`. */
function instance(bytes: number): State {
  if (!state) {
    const module = compile();
    if (!module) throw new Error("WebAssembly SIMD is not available");
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly as WasmApi;
    const k = new api.Instance(module, {}).exports as Kernels;
    state = { k, u8: new Uint8Array(0), i16: new Int16Array(0), i32: new Int32Array(0) };
  }
  const { memory } = state.k;
  if (memory.buffer.byteLength < bytes) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
  }
  if (state.u8.buffer !== memory.buffer) {
    state.u8 = new Uint8Array(memory.buffer);
    state.i16 = new Int16Array(memory.buffer);
    state.i32 = new Int32Array(memory.buffer);
  }
  return state;
}

/**
 * Splits an int32 weight into signed 16-bit halves with `hi * 2^16 + lo === w (mod 2^32)`, for
 * the kernel's 16-bit dot products: `lo` is the low half sign-extended, `hi` the high half of
 * `w - lo` (wrapped to int32 first). Any int32 weight is representable.
 */
export function splitWeight(w: number): [hi: number, lo: number] {
  const lo = (w << 16) >> 16;
  return [((w - lo) | 0) >> 16, lo];
}

/** `resizeWasm` with the bicubic filter. */
export function resizeBicubicWasm(
  img: RgbImage,
  width: number,
  height: number,
  window?: Window,
): RgbImage {
  return resizeWasm(img, width, height, window, BICUBIC);
}

/**
 * `resize` (same arguments, same bytes) computed with WebAssembly SIMD: the kernels take any
 * taps, so bilinear and bicubic differ only in the tables. Throws when
 * `wasmResamplerAvailable()` is false.
 */
export function resizeWasm(
  img: RgbImage,
  width: number,
  height: number,
  window?: Window,
  filter: ResampleFilter = BICUBIC,
): RgbImage {
  const { win, horiz, vert, firstRow, rows } = planResize(img, width, height, window, filter);
  const size = { width: win.width, height: win.height };
  const inW = img.width;
  if (!horiz && !vert) return { ...size, data: copyWindow(img.data, inW, win) };
  const inStride = inW * 3;
  const rowBytes = win.width * 3;
  // Rows of the horizontal pass's output are padded (its 4-byte stores spill one byte).
  const midStride = (rowBytes + 1 + 15) & ~15;

  // Memory layout, each buffer 16-byte aligned with slack after it.
  let top = 0;
  const alloc = (bytes: number): number => {
    const at = top;
    top += (bytes + SLACK + 15) & ~15;
    return at;
  };
  // Horizontal taps: 64 bytes per group of 4 taps (see resample.wat).
  const groups = horiz ? (horiz.ksize + 3) >> 2 : 0;
  const hStarts = alloc(horiz ? 4 * win.width : 0);
  const hGroups = alloc(horiz ? 4 * win.width : 0);
  const hWeights = alloc(64 * groups * win.width);
  const vOffsets = alloc(vert ? 4 * win.height : 0);
  const vCounts = alloc(vert ? 4 * win.height : 0);
  const vWeights = alloc(vert ? 4 * vert.ksize * win.height : 0);
  const src = alloc(rows * inStride);
  const mid = horiz ? alloc(rows * midStride) : 0;
  const out = vert ? alloc(win.height * rowBytes) : 0;
  const { k, u8, i16, i32 } = instance(top);

  u8.set(img.data.subarray(firstRow * inStride, (firstRow + rows) * inStride), src);
  if (horiz) {
    const { ksize, start, count, weights } = horiz;
    const perPixel = 32 * groups; // i16 values
    const hw = hWeights >> 1;
    i16.fill(0, hw, hw + perPixel * win.width);
    for (let x = 0; x < win.width; x++) {
      const n = count[x];
      i32[(hStarts >> 2) + x] = start[x] * 3;
      i32[(hGroups >> 2) + x] = (n + 3) >> 2;
      for (let j = 0; j < n; j++) {
        // splitWeight, inlined.
        const w = weights[x * ksize + j];
        const lo = (w << 16) >> 16;
        const hi = ((w - lo) | 0) >> 16;
        // Tap j: group j >> 2 (32 values), pair (j >> 1) & 1 (16 values: 8 lo, then 8 hi),
        // then lanes R R G G B B 0 0 with this tap at (j & 1) in each channel's pair.
        const o = hw + x * perPixel + (j >> 2) * 32 + ((j >> 1) & 1) * 16 + (j & 1);
        i16[o] = lo;
        i16[o + 2] = lo;
        i16[o + 4] = lo;
        i16[o + 8] = hi;
        i16[o + 10] = hi;
        i16[o + 12] = hi;
      }
    }
    const hStride = 2 * perPixel;
    k.horizontal(
      src,
      inStride,
      rows,
      win.width,
      hStarts,
      hGroups,
      hWeights,
      hStride,
      mid,
      midStride,
    );
    if (!vert) {
      const data = new Uint8Array(win.height * rowBytes);
      for (let y = 0; y < win.height; y++) {
        const from = mid + y * midStride;
        data.set(u8.subarray(from, from + rowBytes), y * rowBytes);
      }
      return release({ ...size, data });
    }
  }
  if (vert) {
    // Without a horizontal pass, read the window's columns straight from the source rows.
    const from = horiz ? mid : src + win.left * 3;
    const stride = horiz ? midStride : inStride;
    for (let y = 0; y < win.height; y++) {
      i32[(vOffsets >> 2) + y] = (vert.start[y] - firstRow) * stride;
      i32[(vCounts >> 2) + y] = vert.count[y];
    }
    i32.set(vert.weights, vWeights >> 2);
    const vStride = 4 * vert.ksize;
    k.vertical(from, stride, rowBytes, win.height, vOffsets, vCounts, vWeights, vStride, out);
  }
  return release({ ...size, data: u8.slice(out, out + win.height * rowBytes) });
}

/** Passes `result` through, dropping the instance if its memory grew above `RETAIN_BYTES`. */
function release(result: RgbImage): RgbImage {
  if (state && state.k.memory.buffer.byteLength > RETAIN_BYTES) state = undefined;
  return result;
}
