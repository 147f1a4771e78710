/**
 * The WebAssembly SIMD resampler against the JS reference (`resizeBicubicJs`), byte for byte,
 * on random images and sizes. Pillow parity of the reference itself is in parity.test.ts and
 * resample.test.ts (which run through `resizeBicubic`, i.e. wasm when available).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BILINEAR,
  resizeBicubic,
  resizeBicubicJs,
  resizeBicubicWasm,
  resizeJs,
  resizeWasm,
  wasmResamplerAvailable,
} from "../../src/image/resample.js";
import type { Window } from "../../src/image/resample-common.js";
import { splitWeight } from "../../src/image/resample-wasm.js";
import type { RgbImage } from "../../src/image/types.js";

/** xorshift32: deterministic, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

type Fill = "noise" | "extremes" | "flat";

/** Noise; or only 0 and 255 (maximal overshoot, so both clamps are hit); or one grey. */
function image(width: number, height: number, seed: number, fill: Fill = "noise"): RgbImage {
  const next = rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const r = next();
    data[i] = fill === "noise" ? r & 255 : fill === "extremes" ? (r & 1) * 255 : 77;
  }
  return { width, height, data };
}

function assertSame(img: RgbImage, w: number, h: number, win?: Window, fill = ""): void {
  const want = resizeBicubicJs(img, w, h, win);
  const got = resizeBicubicWasm(img, w, h, win);
  const what = `${img.width}x${img.height} -> ${w}x${h} ${fill} window ${JSON.stringify(win)}`;
  assert.equal(got.width, want.width, what);
  assert.equal(got.height, want.height, what);
  assert.equal(got.data.length, want.data.length, what);
  const at = got.data.findIndex((v, i) => v !== want.data[i]);
  if (at >= 0) {
    assert.fail(`${what}: byte ${at} is ${got.data[at]}, reference ${want.data[at]}`);
  }
}

const skip = wasmResamplerAvailable() ? false : "WebAssembly SIMD unavailable";

describe("WebAssembly SIMD resampler", () => {
  it("is available on Node >= 20 (otherwise resizeBicubic silently runs the JS reference)", () => {
    assert.equal(wasmResamplerAvailable(), true);
  });

  it("splits any int32 weight into 16-bit halves exactly (mod 2^32)", () => {
    const next = rng(7);
    const cases = [0, 1, -1, 32767, 32768, -32768, -32769, 65535, 65536, 1 << 21, 1 << 22];
    cases.push(3 << 22, -(1 << 22), 2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 32768, 2 ** 31 - 32769);
    for (let i = 0; i < 1000; i++) cases.push(next() | 0);
    for (const w of cases) {
      const [hi, lo] = splitWeight(w);
      for (const half of [hi, lo]) assert.ok(half >= -32768 && half <= 32767, `${w}: ${half}`);
      assert.equal((Math.imul(hi, 65536) + lo) | 0, w, `weight ${w}`);
    }
  });

  it("equals the JS reference on random sizes: shrink, enlarge, mixed, one side unchanged", {
    skip,
  }, () => {
    const next = rng(12345);
    for (let c = 0; c < 300; c++) {
      const inW = 1 + (next() % 60);
      const inH = 1 + (next() % 60);
      // Each side: a quarter unchanged, the rest 1..90 (mostly a real change, either way).
      const w = next() % 4 === 0 ? inW : 1 + (next() % 90);
      const h = next() % 4 === 0 ? inH : 1 + (next() % 90);
      const fill: Fill = c % 5 === 0 ? "extremes" : "noise";
      assertSame(image(inW, inH, c + 1, fill), w, h, undefined, fill);
    }
  });

  it("bilinear: equals the JS reference on random sizes and windows", { skip }, () => {
    const next = rng(2222);
    for (let c = 0; c < 300; c++) {
      const inW = 1 + (next() % 60);
      const inH = 1 + (next() % 60);
      const w = next() % 4 === 0 ? inW : 1 + (next() % 90);
      const h = next() % 4 === 0 ? inH : 1 + (next() % 90);
      const left = next() % w;
      const top = next() % h;
      const win =
        c % 2 === 0
          ? undefined
          : { left, top, width: 1 + (next() % (w - left)), height: 1 + (next() % (h - top)) };
      const img = image(inW, inH, 3000 + c, c % 5 === 0 ? "extremes" : "noise");
      const want = resizeJs(img, w, h, win, BILINEAR);
      const got = resizeWasm(img, w, h, win, BILINEAR);
      assert.deepEqual(got.data, want.data, `${inW}x${inH} -> ${w}x${h} ${JSON.stringify(win)}`);
    }
  });

  it("equals the JS reference with random windows", { skip }, () => {
    const next = rng(777);
    for (let c = 0; c < 300; c++) {
      const inW = 1 + (next() % 50);
      const inH = 1 + (next() % 50);
      const w = next() % 5 === 0 ? inW : 1 + (next() % 80);
      const h = next() % 5 === 0 ? inH : 1 + (next() % 80);
      const left = next() % w;
      const top = next() % h;
      const win = {
        left,
        top,
        width: 1 + (next() % (w - left)),
        height: 1 + (next() % (h - top)),
      };
      assertSame(image(inW, inH, 1000 + c, c % 3 === 0 ? "extremes" : "noise"), w, h, win);
    }
  });

  it("handles 1-pixel images, 1-pixel results and single rows or columns", { skip }, () => {
    const cases: [number, number, number, number][] = [
      [1, 1, 1, 2],
      [1, 1, 2, 1],
      [1, 1, 7, 5],
      [1, 1, 224, 224],
      [9, 7, 1, 1],
      [300, 1, 1, 1],
      [1, 300, 1, 1],
      [1, 40, 17, 3],
      [40, 1, 3, 17],
      [255, 1, 256, 1],
      [1, 255, 1, 256],
    ];
    for (const [inW, inH, w, h] of cases) {
      for (const fill of ["noise", "extremes", "flat"] as const) {
        assertSame(image(inW, inH, inW * 7 + inH, fill), w, h, undefined, fill);
      }
    }
  });

  it("handles row lengths around the 16-byte vertical chunks", { skip }, () => {
    // 3 * width bytes per row: widths 1..40 cover every remainder modulo 16 several times.
    for (let w = 1; w <= 40; w++) {
      assertSame(image(23, 29, w), w, 31); // both passes
      assertSame(image(w, 29, 100 + w), w, 13); // vertical pass only, window = whole width
      if (w < 23) {
        assertSame(image(23, 29, 200 + w), 23, 17, { left: 23 - w, top: 2, width: w, height: 9 });
      }
    }
  });

  it("equals the JS reference on photo-like sizes with the centre-crop window", { skip }, () => {
    const cases: [number, number, number, number][] = [
      [500, 375, 298, 224],
      [375, 500, 224, 298],
      [500, 333, 336, 224],
      [640, 480, 298, 224],
      [75, 56, 300, 224],
      [1200, 800, 336, 224],
    ];
    for (const [inW, inH, w, h] of cases) {
      const win = {
        left: Math.floor((w - 224) / 2),
        top: Math.floor((h - 224) / 2),
        width: 224,
        height: 224,
      };
      const img = image(inW, inH, inW + inH);
      assertSame(img, w, h, win);
      assertSame(img, w, h);
    }
  });

  it("grows its memory for a large image and still serves small ones", { skip }, () => {
    assertSame(image(2000, 1500, 5), 400, 300);
    assertSame(image(7, 5, 6), 3, 9);
    assertSame(image(1600, 1200, 8), 1601, 3);
  });

  it("is what resizeBicubic uses", { skip }, () => {
    const img = image(31, 17, 3);
    assert.deepEqual(resizeBicubic(img, 12, 40).data, resizeBicubicWasm(img, 12, 40).data);
  });

  it("validates its arguments like the JS reference", { skip }, () => {
    const img = image(3, 1, 1);
    assert.throws(() => resizeBicubicWasm(img, 0, 1), RangeError);
    assert.throws(() => resizeBicubicWasm(img, 2.5, 1), RangeError);
    assert.throws(() => resizeBicubicWasm({ ...img, width: 5 }, 2, 1), RangeError);
    const win = { left: 1, top: 0, width: 2, height: 1 };
    assert.throws(() => resizeBicubicWasm(img, 2, 1, win), RangeError);
  });
});
