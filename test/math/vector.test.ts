import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cosine,
  dot,
  l2Normalize,
  meanVector,
  softmax,
  topK,
  zeroShotProbabilities,
} from "../../src/math/vector.js";

const close = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

describe("vector math", () => {
  it("dot, normalize and cosine agree with hand values", () => {
    assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
    const n = l2Normalize([3, 4]);
    close(n[0], 0.6, 1e-7);
    close(n[1], 0.8, 1e-7);
    close(cosine([1, 0], [1, 1]), Math.SQRT1_2);
    assert.deepEqual(Array.from(l2Normalize([0, 0])), [0, 0]);
    assert.throws(() => dot([1], [1, 2]), RangeError);
  });

  it("softmax matches exp/sum and survives large logits", () => {
    const p = softmax([1, 2, 3]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    close(p[0], Math.exp(1) / z);
    close(p[2], Math.exp(3) / z);
    const big = softmax([1000, 1000]);
    close(big[0], 0.5);
  });

  it("zero-shot probabilities are softmax(scale × cosine)", () => {
    // image at 60° from class A and 90° from class B (unnormalized image on purpose)
    const image = [2, 2 * Math.sqrt(3)];
    const classes = [
      [1, 0],
      [0, 1],
    ];
    const p = zeroShotProbabilities(image, classes, 10);
    const la = 10 * 0.5;
    const lb = 10 * (Math.sqrt(3) / 2);
    close(p[0], Math.exp(la) / (Math.exp(la) + Math.exp(lb)));
    close(p[0] + p[1], 1);
  });

  it("mean and top-k", () => {
    assert.deepEqual(
      Array.from(
        meanVector([
          [1, 2],
          [3, 6],
        ]),
      ),
      [2, 4],
    );
    assert.deepEqual(topK([0.1, 0.5, 0.2, 0.5], 3), [1, 3, 2]);
    assert.deepEqual(topK([0.1, 0.2], 5), [1, 0]);
  });
});
