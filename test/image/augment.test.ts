/**
 * Augmented views: torchvision's RandomResizedCrop box algorithm on scripted draws (hand
 * values, the fallback), the view pixels against an independent composition (plain-loop crop and
 * flip, the JS reference resampler, the normalize formula), the worker pool making the same view
 * as the main thread, and views cached under their own keys.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { embedImageFiles, openImageStore } from "../../src/cache/image-pass.js";
import { augmentView, randomResizedCropBox, roundHalfEven } from "../../src/image/augment.js";
import { decodeImage } from "../../src/image/decode.js";
import { resizeBicubicJs } from "../../src/image/resample.js";
import type { PreprocessConfig, RgbImage } from "../../src/image/types.js";
import { viewKey, viewSpec } from "../../src/image/views.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { sha256 } from "../../src/util/hash.js";
import { mulberry32 } from "../../src/util/sample.js";
import { encodeWithSharp, noisePixels } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

/** A generator that returns the scripted values in order (and counts the draws). */
function script(values: number[]) {
  let i = 0;
  const rand = () => {
    if (i >= values.length) throw new Error("ran out of scripted draws");
    return values[i++];
  };
  return { rand, used: () => i };
}

describe("random resized crop", () => {
  it("rounds like Python (halves to even)", () => {
    assert.deepEqual(
      [0.5, 1.5, 2.5, 3.5, 2.4999, 7.5, 122.47].map(roundHalfEven),
      [0, 2, 2, 4, 2, 8, 122],
    );
  });

  it("draws area, ratio, then top and left once a box fits", () => {
    // 200 × 100: the first attempt (area 0.75, ratio 1 → 122 × 122) does not fit the height;
    // the second (area 0.5, ratio 1 → 100 × 100) does: top ⌊0.25·1⌋ = 0, left ⌊0.75·101⌋ = 75.
    const s = script([0.5, 0.5, 0, 0.5, 0.25, 0.75]);
    assert.deepEqual(randomResizedCropBox(200, 100, s.rand), {
      top: 0,
      left: 75,
      height: 100,
      width: 100,
    });
    assert.equal(s.used(), 6);
    // Smallest ratio 3/4 at area 0.5 of 300 × 300: w = round(√(45000·0.75)) = 184,
    // h = round(√(45000/0.75)) = 245; top ⌊0.5·56⌋ = 28, left ⌊0.1·117⌋ = 11.
    const t = script([0, 0, 0.5, 0.1]);
    assert.deepEqual(randomResizedCropBox(300, 300, t.rand), {
      top: 28,
      left: 11,
      height: 245,
      width: 184,
    });
  });

  it("falls back to the centre crop clamped to the ratio range after 10 misses", () => {
    const wide = script(new Array(20).fill(0.3));
    assert.deepEqual(randomResizedCropBox(100, 10, wide.rand), {
      top: 0,
      left: 43,
      height: 10,
      width: 13,
    });
    assert.equal(wide.used(), 20);
    const tall = script(new Array(20).fill(0.9));
    assert.deepEqual(randomResizedCropBox(10, 100, tall.rand), {
      top: 43,
      left: 0,
      height: 13,
      width: 10,
    });
  });
});

/** The view computed step by step with independent pieces. */
function referenceView(img: RgbImage, cfg: PreprocessConfig, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const box = randomResizedCropBox(img.width, img.height, rand);
  const flip = rand() < 0.5;
  const crop = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      for (let c = 0; c < 3; c++) {
        crop[(y * box.width + x) * 3 + c] =
          img.data[((box.top + y) * img.width + box.left + x) * 3 + c];
      }
    }
  }
  const r = resizeBicubicJs(
    { width: box.width, height: box.height, data: crop },
    cfg.cropWidth,
    cfg.cropHeight,
  );
  const W = r.width;
  const H = r.height;
  const out = new Float32Array(3 * W * H);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(cfg.mean[c]);
    const std = Math.fround(cfg.std[c]);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sx = flip ? W - 1 - x : x;
        const v = Math.fround(r.data[(y * W + sx) * 3 + c] * Math.fround(cfg.rescaleFactor));
        out[c * W * H + y * W + x] = Math.fround(Math.fround(v - mean) / std);
      }
    }
  }
  return out;
}

describe("augmented views", () => {
  let dir: string;
  let model: ClipModel;
  let png: Uint8Array;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-views-"));
    model = await ClipModel.load(await ensureFixtureModel("probe"), { preprocessWorkers: 2 });
    png = await encodeWithSharp(noisePixels(61, 47, 3, 7), "png");
  });
  after(async () => {
    await model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("a view is crop → PIL bicubic to the crop size → flip → rescale and normalize", async () => {
    const img = await decodeImage(png);
    let flips = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const got = augmentView(img, model.preprocess, { seed });
      const want = referenceView(img, model.preprocess, seed);
      assert.deepEqual(got, want, `seed ${seed}`);
      const r = mulberry32(seed);
      randomResizedCropBox(img.width, img.height, r);
      if (r() < 0.5) flips++;
    }
    assert.ok(flips > 0 && flips < 12, `both flipped and unflipped views were checked (${flips})`);
  });

  it("the worker pool makes the same view as the main thread", async () => {
    const specs = [{ seed: 3 }, { seed: 99 }, undefined];
    const results = await model.embedImages([png, png, png], { views: specs });
    const img = await decodeImage(png);
    for (const [i, spec] of specs.entries()) {
      const pixels = spec ? augmentView(img, model.preprocess, spec) : undefined;
      const [want] = pixels
        ? await model.embedPixels(pixels, 1)
        : (await model.embedImages([png])).map((r) => r.embedding!);
      assert.deepEqual(results[i].embedding, want, `input ${i}`);
    }
    assert.notDeepEqual(results[0].embedding, results[2].embedding);
  });

  it("view seeds and cache keys depend on the image, the seed and the index", () => {
    const h = sha256(png);
    const specs = [
      viewSpec(h, { seed: 0, index: 0 }),
      viewSpec(h, { seed: 0, index: 1 }),
      viewSpec(h, { seed: 1, index: 0 }),
      viewSpec(sha256("other"), { seed: 0, index: 0 }),
    ];
    assert.equal(new Set(specs.map((s) => s.seed)).size, 4);
    assert.ok(specs.every((s) => Number.isInteger(s.seed) && s.seed >= 0 && s.seed < 2 ** 32));
    assert.deepEqual(viewSpec(h, { seed: 0, index: 1 }), specs[1]);
    const key = viewKey(h, { seed: 0, index: 0 });
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.notEqual(key, h);
  });

  it("views are cached under their own keys next to the plain embedding", async () => {
    const path = join(dir, "img.png");
    await writeFile(path, png);
    const store = await openImageStore(model, true, join(dir, "cache"));
    const plain = await embedImageFiles(model, [path], { store });
    const v0 = await embedImageFiles(model, [path], { store, view: { seed: 5, index: 0 } });
    const v1 = await embedImageFiles(model, [path], { store, view: { seed: 5, index: 1 } });
    assert.deepEqual([plain.computed, v0.computed, v1.computed], [1, 1, 1]);
    assert.equal(store.size, 3);
    const again = await embedImageFiles(model, [path], { store, view: { seed: 5, index: 1 } });
    assert.deepEqual([again.computed, again.cached], [0, 1]);
    assert.deepEqual(again.results[0].embedding, v1.results[0].embedding);
    assert.notDeepEqual(v0.results[0].embedding, plain.results[0].embedding);
    assert.notDeepEqual(v0.results[0].embedding, v1.results[0].embedding);
    // The cached view is the view of the image's own seed.
    const spec = viewSpec(sha256(png), { seed: 5, index: 1 });
    const [want] = await model.embedPixels(
      augmentView(await decodeImage(png), model.preprocess, spec),
      1,
    );
    assert.deepEqual(v1.results[0].embedding, want);
  });
});
