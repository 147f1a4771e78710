import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bicubicCoefficients, bicubicKernel, resizeBicubic } from "../../src/image/resample.js";
import type { RgbImage } from "../../src/image/types.js";

/** A one-row or one-column grey image (R = G = B = v) from values. */
function greyLine(values: number[], vertical = false): RgbImage {
  const data = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) data.fill(values[i], i * 3, i * 3 + 3);
  return vertical
    ? { width: 1, height: values.length, data }
    : { width: values.length, height: 1, data };
}

function redChannel(img: RgbImage): number[] {
  const out: number[] = [];
  for (let i = 0; i < img.width * img.height; i++) out.push(img.data[i * 3]);
  return out;
}

function grey2d(rows: number[][]): RgbImage {
  return { width: rows[0].length, height: rows.length, data: greyLine(rows.flat()).data };
}

function rows2d(img: RgbImage): number[][] {
  const r = redChannel(img);
  const out: number[][] = [];
  for (let y = 0; y < img.height; y++) out.push(r.slice(y * img.width, (y + 1) * img.width));
  return out;
}

describe("bicubic kernel (a = -0.5)", () => {
  it("has the textbook values", () => {
    // Keys' cubic with a = -0.5: 1 at 0, 0 at the integers, 0.5625 at 0.5, -0.0625 at 1.5.
    assert.equal(bicubicKernel(0), 1);
    assert.equal(Math.abs(bicubicKernel(1)), 0); // -0 from the outer lobe formula
    assert.equal(Math.abs(bicubicKernel(2)), 0);
    assert.equal(bicubicKernel(0.5), 0.5625);
    assert.equal(bicubicKernel(-0.5), 0.5625);
    assert.equal(bicubicKernel(1.5), -0.0625);
    assert.equal(bicubicKernel(0.25), 0.8671875);
    assert.equal(bicubicKernel(1.25), -0.0703125);
    assert.equal(bicubicKernel(3), 0);
  });
});

describe("bicubicCoefficients", () => {
  it("4 -> 2: kernel widened x2, weights normalised and quantised to 22 bits", () => {
    // Hand computation: scale 2, support 4, taps at (x - centre + 0.5) / 2 = ±0.25, 0.75, 1.25;
    // raw weights 0.8671875, 0.8671875, 0.2265625, -0.0703125 (sum 1.890625); divided by the sum
    // and multiplied by 2^22, rounded half away from zero: 1923834, 1923834, 502623, -155987.
    const c = bicubicCoefficients(4, 2);
    assert.equal(c.ksize, 9);
    assert.deepEqual([...c.start], [0, 0]);
    assert.deepEqual([...c.count], [4, 4]);
    assert.deepEqual([...c.weights.subarray(0, 4)], [1923834, 1923834, 502623, -155987]);
    assert.deepEqual([...c.weights.subarray(9, 13)], [-155987, 502623, 1923834, 1923834]);
  });

  it("2 -> 4: edge taps cut off and renormalised", () => {
    // Centres 0.25, 0.75, 1.25, 1.75; only two source pixels exist. First output: raw weights
    // f(0.25) = 0.8671875, f(1.25) = -0.0703125, sum 0.796875 -> 4564390, -370086.
    const c = bicubicCoefficients(2, 4);
    assert.deepEqual([...c.count], [2, 2, 2, 2]);
    assert.deepEqual([...c.weights.subarray(0, 2)], [4564390, -370086]);
    assert.deepEqual([...c.weights.subarray(c.ksize, c.ksize + 2)], [3325484, 868820]);
  });

  it("weights of every output sum to 2^22 within rounding", () => {
    for (const [inSize, outSize] of [
      [500, 224],
      [224, 500],
      [2400, 336],
      [75, 300],
      [7, 3],
    ]) {
      const c = bicubicCoefficients(inSize, outSize);
      for (let i = 0; i < outSize; i++) {
        let sum = 0;
        for (let k = 0; k < c.count[i]; k++) sum += c.weights[i * c.ksize + k];
        assert.ok(Math.abs(sum - 2 ** 22) <= c.count[i], `${inSize}->${outSize} #${i}: ${sum}`);
        assert.ok(c.start[i] >= 0 && c.start[i] + c.count[i] <= inSize);
      }
    }
  });
});

describe("resizeBicubic", () => {
  it("downscales a row as computed by hand", () => {
    // [10, 200, 50, 255] with the 4 -> 2 weights above plus 2^21, shifted right by 22:
    // (10*1923834 + 200*1923834 + 50*502623 - 255*155987 + 2^21) >> 22 = 391456757 >> 22 = 93
    // (-10*155987 + 200*502623 + 50*1923834 + 255*1923834 + 2^21) >> 22 = 687831252 >> 22 = 163
    const out = resizeBicubic(greyLine([10, 200, 50, 255]), 2, 1);
    assert.deepEqual(redChannel(out), [93, 163]);
    // The vertical pass uses the same arithmetic.
    const col = resizeBicubic(greyLine([10, 200, 50, 255], true), 1, 2);
    assert.deepEqual(redChannel(col), [93, 163]);
  });

  it("upscales a row as computed by hand, clamping overshoot", () => {
    // [100, 0]: (100*4564390 + 2^21) >> 22 = 109; (100*3325484 + 2^21) >> 22 = 79;
    // (100*868820 + 2^21) >> 22 = 21; (-100*370086 + 2^21) >> 22 = -9 -> clamped to 0.
    assert.deepEqual(redChannel(resizeBicubic(greyLine([100, 0]), 4, 1)), [109, 79, 21, 0]);
    assert.deepEqual(redChannel(resizeBicubic(greyLine([30, 220]), 4, 1)), [13, 69, 181, 237]);
  });

  it("runs the horizontal pass first, rounding and clamping in between", () => {
    // [[100, 0], [0, 100]] to 4 x 4. Horizontally: [109, 79, 21, 0] and [0, 21, 79, 109]
    // (the -9 is clamped to 0). Then each column with the same weights, e.g. column 1:
    // (79*4564390 - 21*370086 + 2^21) >> 22 = 84 and (79*3325484 + 21*868820 + 2^21) >> 22 = 67.
    // Vertical-then-horizontal would give a different (transposed) first row: 119 86 23 0.
    const out = resizeBicubic(
      grey2d([
        [100, 0],
        [0, 100],
      ]),
      4,
      4,
    );
    assert.deepEqual(rows2d(out), [
      [119, 84, 16, 0],
      [86, 67, 33, 23],
      [23, 33, 67, 86],
      [0, 16, 84, 119],
    ]);
  });

  it("keeps constant images constant, up and down, in every channel", () => {
    for (const [w, h, ow, oh] of [
      [37, 23, 224, 139],
      [640, 480, 298, 224],
      [5, 300, 224, 13440],
      [3, 3, 1, 1],
      [1, 1, 7, 5],
    ]) {
      const data = new Uint8Array(w * h * 3);
      for (let i = 0; i < data.length; i += 3) data.set([0, 137, 255], i);
      const out = resizeBicubic({ width: w, height: h, data }, ow, oh);
      assert.equal(out.width, ow);
      assert.equal(out.height, oh);
      assert.equal(out.data.length, ow * oh * 3);
      for (let i = 0; i < out.data.length; i += 3) {
        if (out.data[i] !== 0 || out.data[i + 1] !== 137 || out.data[i + 2] !== 255) {
          assert.fail(`${w}x${h} -> ${ow}x${oh}: pixel ${i / 3} is ${out.data.subarray(i, i + 3)}`);
        }
      }
    }
  });

  it("returns an equal copy when the size is unchanged", () => {
    const data = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const img = { width: 4, height: 3, data };
    const out = resizeBicubic(img, 4, 3);
    assert.deepEqual(out.data, data);
    assert.notEqual(out.data, data);
  });

  it("changes only the dimension that differs (the other pass is skipped)", () => {
    // Height unchanged: rows are resized independently with the 4 -> 2 weights; the second row
    // gives (100*1923834 - 100*155987 + 2^21) >> 22 = 42 on both sides.
    const out = resizeBicubic(
      grey2d([
        [10, 200, 50, 255],
        [100, 0, 0, 100],
      ]),
      2,
      2,
    );
    assert.deepEqual(rows2d(out), [
      [93, 163],
      [42, 42],
    ]);
  });

  it("rejects bad sizes and inconsistent buffers", () => {
    const img = greyLine([1, 2, 3]);
    assert.throws(() => resizeBicubic(img, 0, 1), RangeError);
    assert.throws(() => resizeBicubic(img, 2.5, 1), RangeError);
    assert.throws(() => resizeBicubic({ width: 5, height: 1, data: img.data }, 2, 1), RangeError);
  });
});
