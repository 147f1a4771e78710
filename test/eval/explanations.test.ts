import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explainPredictions } from "../../src/eval/explanations.js";

const v = (...x: number[]) => {
  const n = Math.hypot(...x);
  return Float32Array.from(x, (a) => a / n);
};

describe("explainPredictions (eval report explanations)", () => {
  it("counts the closest text of the predicted class, per true class and for its top confusion", () => {
    // Class 0 "cat": texts along x and along (1,1); class 1 "dog": along y and along (-1,1).
    const texts = [
      ["cat x", "cat xy"],
      ["dog y", "dog -xy"],
    ];
    const emb = [
      [v(1, 0), v(1, 1)],
      [v(0, 1), v(-1, 1)],
    ];
    const images = [v(1, 0.1), v(1, 0.2), v(1, 0.9), v(0.1, 1), v(-1, 0.8), v(0.2, 1)];
    const labels = [0, 0, 0, 0, 1, 1];
    const predicted = [0, 0, 0, 1, 1, 1];
    const out = explainPredictions(images, labels, predicted, texts, emb);
    // Cat images 0,1 are closest to "cat x", image 2 to "cat xy"; image 3 (a cat taken for a
    // dog) is closest to "dog y" among the dog texts.
    assert.deepEqual(out[0].correct, [
      { text: "cat x", count: 2 },
      { text: "cat xy", count: 1 },
    ]);
    assert.deepEqual(out[0].confusion, {
      predicted: 1,
      images: 1,
      texts: [{ text: "dog y", count: 1 }],
    });
    // Equal counts keep the texts' order.
    assert.deepEqual(out[1].correct, [
      { text: "dog y", count: 1 },
      { text: "dog -xy", count: 1 },
    ]);
    assert.equal(out[1].confusion, undefined);
  });
});
