import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { preprocessedSize, preprocessImage, resizeOutputSize } from "../../src/image/preprocess.js";
import type { PreprocessConfig, RgbImage } from "../../src/image/types.js";

const CLIP: PreprocessConfig = {
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
};

/** Crop only: values come out as the raw 0..255 numbers. */
function cropOnly(cropWidth: number, cropHeight: number): PreprocessConfig {
  return {
    ...CLIP,
    doResize: false,
    doRescale: false,
    doNormalize: false,
    cropWidth,
    cropHeight,
  };
}

/** Pixel (x, y) has R = 10*y + x, G = 100 + R, B = 200 + R (small images only). */
function coordImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = 10 * y + x;
      data[p + 1] = 100 + 10 * y + x;
      data[p + 2] = 200 + 10 * y + x;
    }
  }
  return { width, height, data };
}

/** One CHW plane as rows. */
function plane(out: Float32Array, c: number, w: number, h: number, offset = 0): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < h; y++) {
    rows.push([...out.subarray(offset + c * w * h + y * w, offset + c * w * h + (y + 1) * w)]);
  }
  return rows;
}

describe("resizeOutputSize", () => {
  it("sets the short side and truncates the long one", () => {
    assert.deepEqual(resizeOutputSize(500, 375, 224), { width: 298, height: 224 }); // 298.67
    assert.deepEqual(resizeOutputSize(375, 500, 224), { width: 224, height: 298 });
    assert.deepEqual(resizeOutputSize(640, 427, 224), { width: 335, height: 224 }); // 335.74
    assert.deepEqual(resizeOutputSize(75, 56, 224), { width: 300, height: 224 }); // exactly 300
    assert.deepEqual(resizeOutputSize(224, 224, 224), { width: 224, height: 224 });
    assert.deepEqual(resizeOutputSize(100, 100, 224), { width: 224, height: 224 });
  });

  it("preprocessedSize is the crop, or the resized size without cropping", () => {
    assert.deepEqual(preprocessedSize(500, 375, CLIP), { width: 224, height: 224 });
    const noCrop = { ...CLIP, doCenterCrop: false };
    assert.deepEqual(preprocessedSize(500, 375, noCrop), { width: 298, height: 224 });
    assert.deepEqual(preprocessedSize(500, 375, { ...noCrop, doResize: false }), {
      width: 500,
      height: 375,
    });
  });
});

describe("preprocessImage: centre crop", () => {
  it("takes rows top = (h - ch) // 2 and columns left = (w - cw) // 2, in CHW order", () => {
    // 5 x 4 image, 3 x 2 crop: top = 1, left = 1.
    const out = preprocessImage(coordImage(5, 4), cropOnly(3, 2));
    assert.equal(out.length, 3 * 3 * 2);
    assert.deepEqual(plane(out, 0, 3, 2), [
      [11, 12, 13],
      [21, 22, 23],
    ]);
    assert.deepEqual(plane(out, 1, 3, 2), [
      [111, 112, 113],
      [121, 122, 123],
    ]);
    assert.deepEqual(plane(out, 2, 3, 2)[1], [221, 222, 223]);
  });

  it("floors odd margins", () => {
    // 4 x 4 image, 3 x 3 crop: (4 - 3) // 2 = 0, so the first row and column are kept.
    assert.deepEqual(plane(preprocessImage(coordImage(4, 4), cropOnly(3, 3)), 0, 3, 3), [
      [0, 1, 2],
      [10, 11, 12],
      [20, 21, 22],
    ]);
  });

  it("pads a smaller image with zeros, centred with the extra row/column first", () => {
    // 2 x 2 image in a 4 x 3 crop: HF pads ceil((3-2)/2) = 1 row on top and
    // ceil((4-2)/2) = 1 column on the left, zeros elsewhere.
    assert.deepEqual(plane(preprocessImage(coordImage(2, 2), cropOnly(4, 3)), 0, 4, 3), [
      [0, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 10, 11, 0],
    ]);
    // Wider than the crop but shorter: crop columns, pad rows. 6 x 1 into 2 x 3:
    // left = (6 - 2) // 2 = 2; one padding row above, one below.
    assert.deepEqual(plane(preprocessImage(coordImage(6, 1), cropOnly(2, 3)), 1, 2, 3), [
      [0, 0],
      [102, 103],
      [0, 0],
    ]);
  });

  it("pads with the normalised value of 0, as HF pads before rescaling", () => {
    const cfg = { ...CLIP, doResize: false, cropWidth: 3, cropHeight: 1 };
    const out = preprocessImage(
      { width: 1, height: 1, data: new Uint8Array([255, 255, 255]) },
      cfg,
    );
    for (let c = 0; c < 3; c++) {
      const zero = (0 - CLIP.mean[c]) / CLIP.std[c];
      const white = (1 - CLIP.mean[c]) / CLIP.std[c];
      assert.ok(Math.abs(out[c * 3] - zero) < 1e-6);
      assert.ok(Math.abs(out[c * 3 + 1] - white) < 1e-6);
      assert.ok(Math.abs(out[c * 3 + 2] - zero) < 1e-6);
    }
  });
});

describe("preprocessImage: rescale and normalise", () => {
  it("computes (v/255 - mean) / std per channel, as float32", () => {
    const img = coordImage(4, 4);
    const out = preprocessImage(img, { ...CLIP, doResize: false, cropWidth: 4, cropHeight: 4 });
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 16; i++) {
        const v = img.data[i * 3 + c];
        const expected = (v / 255 - CLIP.mean[c]) / CLIP.std[c];
        const got = out[c * 16 + i];
        assert.ok(Math.abs(got - expected) < 2e-6, `c${c} v${v}: ${got} vs ${expected}`);
        assert.equal(got, Math.fround(got));
      }
    }
  });

  it("rescales without normalising, and normalises without rescaling", () => {
    const img = { width: 1, height: 1, data: new Uint8Array([51, 102, 255]) };
    const base = { ...CLIP, doResize: false, cropWidth: 1, cropHeight: 1 };
    const rescaled = preprocessImage(img, { ...base, doNormalize: false });
    assert.ok(Math.abs(rescaled[0] - 0.2) < 1e-7 && Math.abs(rescaled[2] - 1) < 1e-7);
    // (51 - 1) / 2, (102 - 2) / 4, (255 - 3) / 5 on the raw values.
    const normalised = preprocessImage(img, {
      ...base,
      doRescale: false,
      mean: [1, 2, 3],
      std: [2, 4, 5],
    });
    assert.deepEqual([...normalised], [25, 25, Math.fround(50.4)]);
  });
});

describe("preprocessImage: output buffer", () => {
  it("writes 3*h*w values at the offset and nothing else", () => {
    const cfg = cropOnly(2, 2);
    const out = new Float32Array(3 * 4 + 10).fill(-7);
    const ret = preprocessImage(coordImage(2, 2), cfg, out, 5);
    assert.equal(ret, out);
    assert.deepEqual([...out.subarray(0, 5)], [-7, -7, -7, -7, -7]);
    assert.deepEqual(plane(out, 0, 2, 2, 5), [
      [0, 1],
      [10, 11],
    ]);
    assert.deepEqual([...out.subarray(17)], [-7, -7, -7, -7, -7]);
  });

  it("rejects a buffer that is too small", () => {
    assert.throws(() => preprocessImage(coordImage(2, 2), cropOnly(2, 2), new Float32Array(11)), {
      name: "RangeError",
    });
    assert.throws(() => preprocessImage(coordImage(2, 2), cropOnly(2, 2), new Float32Array(12), 1));
  });

  it("resizes then crops a full CLIP input", () => {
    const img = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3).fill(128) };
    const out = preprocessImage(img, CLIP);
    assert.equal(out.length, 3 * 224 * 224);
    const expected = (128 / 255 - CLIP.mean[1]) / CLIP.std[1];
    assert.ok(Math.abs(out[224 * 224 + 1000] - expected) < 1e-6);
  });
});

describe("preprocessImage with a fixed size", () => {
  it("squashes to height x width with no crop (a 2x1 image to 3x3 keeps its columns apart)", () => {
    const cfg: PreprocessConfig = {
      ...CLIP,
      fixedSize: { height: 3, width: 3 },
      doCenterCrop: false,
      cropHeight: 3,
      cropWidth: 3,
      doRescale: false,
      doNormalize: false,
      resample: 2,
    };
    // 2 wide, 1 high: bilinear to 3x3. Rows are copies (a single source row); columns follow
    // Pillow's triangle weights: x=0 -> centre 1/3 in source units (weights 1 and 0 after the
    // clip at the edge) ... the middle one averages both pixels equally.
    const img: RgbImage = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 90, 90, 90]) };
    assert.deepEqual(preprocessedSize(2, 1, cfg), { width: 3, height: 3 });
    const out = preprocessImage(img, cfg);
    const row = Array.from(out.subarray(0, 3));
    assert.deepEqual(row, [0, 45, 90]);
    assert.deepEqual(Array.from(out.subarray(3, 6)), row);
    assert.deepEqual(Array.from(out.subarray(9, 12)), row, "green plane, first row");
  });
});
