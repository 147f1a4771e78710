/** Family scoring against hand computations. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scoreLogits, scoreProbabilities, sigmoid } from "../../src/math/scoring.js";

const classes = [
  [1, 0],
  [0, 1],
  [Math.SQRT1_2, Math.SQRT1_2],
];

describe("scoring", () => {
  it("sigmoid: each label is sigmoid(scale·cos + bias), independent of the others", () => {
    const image = [3, 4]; // cos = 0.6, 0.8, 0.7·√2
    const s = { kind: "sigmoid", scale: 10, bias: -7 } as const;
    const logits = scoreLogits(image, classes, s);
    assert.deepEqual(
      Array.from(logits, (v) => +v.toFixed(12)),
      [-1, 1, +(10 * 0.7 * Math.SQRT2 - 7).toFixed(12)],
    );
    const p = scoreProbabilities(image, classes, s);
    assert.ok(Math.abs(p[0] - 1 / (1 + Math.E)) < 1e-15);
    assert.ok(Math.abs(p[1] - 1 / (1 + Math.exp(-1))) < 1e-15);
    // Dropping a label changes nothing for the others (a softmax would renormalize).
    const two = scoreProbabilities(image, classes.slice(0, 2), s);
    assert.deepEqual(Array.from(two), Array.from(p.slice(0, 2)));
  });

  it("softmax: CLIP's probabilities sum to 1", () => {
    const p = scoreProbabilities([1, 0], classes.slice(0, 2), { kind: "softmax", scale: 100 });
    assert.ok(Math.abs(p[0] - 1 / (1 + Math.exp(-100))) < 1e-15);
    assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-15);
  });

  it("sigmoid is stable at the extremes", () => {
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(0), 0.5);
  });
});
