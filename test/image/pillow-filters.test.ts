/**
 * Bilinear and bicubic fixed-size resizes against Pillow itself (test/support/pillow.ts): the JS
 * reference and the WebAssembly kernels must give Pillow's bytes (the bar is one level; they are
 * expected to be equal), shrinking and enlarging, square and squashed, on noise and on extremes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePreprocessorConfig } from "../../src/image/config.js";
import { preprocessImage } from "../../src/image/preprocess.js";
import {
  BICUBIC,
  BILINEAR,
  type ResampleFilter,
  resizeJs,
  resizeWasm,
  wasmResamplerAvailable,
} from "../../src/image/resample.js";
import type { RgbImage } from "../../src/image/types.js";
import { pillowResize, pillowSkip } from "../support/pillow.js";

function noise(width: number, height: number, seed: number, extremes = false): RgbImage {
  let s = seed >>> 0 || 1;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = extremes ? ((s >>> 0) & 1) * 255 : (s >>> 0) & 255;
  }
  return { width, height, data };
}

/** Largest absolute difference, with the first index reaching it. */
function maxDiff(a: Uint8Array, b: Uint8Array): { max: number; at: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}

const SIZES: [number, number, number, number][] = [
  [97, 61, 32, 32], // shrink, squash
  [300, 200, 224, 224], // SigLIP's 224 from a landscape photo
  [40, 90, 64, 48], // enlarge one way, shrink the other
  [13, 7, 50, 29], // enlarge a lot
  [64, 64, 64, 30], // one pass skipped
];

describe("fixed-size resizes against Pillow", { skip: pillowSkip() }, () => {
  for (const filter of [BILINEAR, BICUBIC] as ResampleFilter[]) {
    const name = filter === BILINEAR ? "bilinear" : "bicubic";
    it(`${name}: JS and WebAssembly give Pillow's bytes`, () => {
      const cases = SIZES.flatMap(([w, h, ow, oh], k) => [
        { image: noise(w, h, 11 + k), width: ow, height: oh, filter },
        { image: noise(w, h, 101 + k, true), width: ow, height: oh, filter },
      ]);
      const want = pillowResize(cases);
      cases.forEach((c, i) => {
        const what = `${name} ${c.image.width}x${c.image.height} -> ${c.width}x${c.height}`;
        const js = resizeJs(c.image, c.width, c.height, undefined, filter);
        const dj = maxDiff(js.data, want[i].data);
        assert.ok(dj.max <= 1, `${what} (JS): byte ${dj.at} differs by ${dj.max}`);
        assert.equal(dj.max, 0, `${what} (JS) is within one level but not equal`);
        if (wasmResamplerAvailable()) {
          const wasm = resizeWasm(c.image, c.width, c.height, undefined, filter);
          assert.deepEqual(wasm.data, js.data, `${what}: wasm differs from JS`);
        }
      });
    });
  }

  it("a SigLIP 2 preprocessor (bilinear 256x256, no crop) resizes as Pillow does", () => {
    const cfg = parsePreprocessorConfig({
      do_resize: true,
      size: { height: 256, width: 256 },
      resample: 2,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    });
    assert.equal(cfg.doCenterCrop, true, "absent do_center_crop keeps CLIP's default here");
    const noCrop = { ...cfg, doCenterCrop: false, cropHeight: 256, cropWidth: 256 };
    const img = noise(331, 197, 7);
    const [ref] = pillowResize([{ image: img, width: 256, height: 256, filter: 2 }]);
    const out = preprocessImage(img, noCrop);
    assert.equal(out.length, 3 * 256 * 256);
    // CHW, (v/255 - 0.5)/0.5: invert to levels and compare with Pillow's pixels.
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 256 * 256; p++) {
        const level = (out[c * 256 * 256 + p] * 0.5 + 0.5) * 255;
        worst = Math.max(worst, Math.abs(level - ref.data[p * 3 + c]));
      }
    }
    assert.ok(worst < 1e-3, `worst level difference ${worst}`);
  });
});
