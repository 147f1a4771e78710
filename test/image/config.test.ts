import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePreprocessorConfig } from "../../src/image/config.js";
import { ModelError } from "../../src/util/errors.js";

// openai/clip-vit-base-patch32's preprocessor_config.json.
const OPENAI = {
  crop_size: 224,
  do_center_crop: true,
  do_normalize: true,
  do_resize: true,
  feature_extractor_type: "CLIPFeatureExtractor",
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  size: 224,
};

describe("parsePreprocessorConfig", () => {
  it("reads an old-style config with bare numbers", () => {
    assert.deepEqual(parsePreprocessorConfig(OPENAI), {
      doResize: true,
      shortestEdge: 224,
      resample: 3,
      doCenterCrop: true,
      cropHeight: 224,
      cropWidth: 224,
      doRescale: true,
      rescaleFactor: 1 / 255,
      doNormalize: true,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
      doConvertRgb: true,
    });
  });

  it("reads dict sizes and explicit flags", () => {
    const cfg = parsePreprocessorConfig({
      size: { shortest_edge: 336 },
      crop_size: { height: 320, width: 336 },
      do_rescale: false,
      rescale_factor: 0.5,
      do_convert_rgb: false,
      do_center_crop: false,
      image_mean: 0.5,
      image_std: [1, 2, 3],
    });
    assert.equal(cfg.shortestEdge, 336);
    assert.equal(cfg.cropHeight, 320);
    assert.equal(cfg.cropWidth, 336);
    assert.equal(cfg.doRescale, false);
    assert.equal(cfg.rescaleFactor, 0.5);
    assert.equal(cfg.doConvertRgb, false);
    assert.equal(cfg.doCenterCrop, false);
    assert.deepEqual(cfg.mean, [0.5, 0.5, 0.5]);
    assert.deepEqual(cfg.std, [1, 2, 3]);
  });

  it("fills CLIPImageProcessor's defaults for missing keys", () => {
    const cfg = parsePreprocessorConfig({});
    assert.equal(cfg.shortestEdge, 224);
    assert.equal(cfg.cropWidth, 224);
    assert.equal(cfg.resample, 3);
    assert.equal(cfg.doNormalize, true);
  });

  it("reads SigLIP's fixed {height, width} size: no crop, the size is the input size", () => {
    const cfg = parsePreprocessorConfig(
      { size: { height: 256, width: 384 }, resample: 2, image_mean: [0.5, 0.5, 0.5] },
      { mean: [0, 0, 0], std: [0.5, 0.5, 0.5], doCenterCrop: false },
    );
    assert.deepEqual(cfg.fixedSize, { height: 256, width: 384 });
    assert.equal(cfg.doCenterCrop, false);
    assert.equal(cfg.cropHeight, 256);
    assert.equal(cfg.cropWidth, 384);
    assert.equal(cfg.resample, 2);
    assert.deepEqual(cfg.mean, [0.5, 0.5, 0.5]);
    assert.deepEqual(cfg.std, [0.5, 0.5, 0.5], "the family's default std");
  });

  it("refuses what it cannot reproduce, with a ModelError naming the key", () => {
    const cases: [unknown, RegExp][] = [
      [{ resample: 1 }, /resample must be 3 \(bicubic\) or 2/],
      [{ size: { height: 224 } }, /size must be/],
      [{ size: { height: 0, width: 224 } }, /size.height/],
      [{ size: { shortest_edge: 224, longest_edge: 1333 } }, /longest_edge/],
      [{ crop_size: "224" }, /crop_size/],
      [{ image_std: [1, 0, 1] }, /image_std/],
      [{ image_mean: [1, 2] }, /image_mean/],
      [{ do_resize: "yes" }, /do_resize/],
      [[1, 2], /JSON object/],
      [null, /JSON object/],
    ];
    for (const [json, re] of cases) {
      assert.throws(
        () => parsePreprocessorConfig(json),
        (err: unknown) => {
          assert.ok(err instanceof ModelError, String(err));
          assert.match(err.message, re);
          assert.ok(!err.message.includes("\n"));
          return true;
        },
      );
    }
  });
});
