import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  classificationMetrics,
  confusionMatrix,
  meanPerClassRecall,
  mostConfusedPairs,
  perClassRecall,
  rankClasses,
  topKAccuracy,
} from "../../src/eval/metrics.js";

/** Scores of 7 images over 3 classes, worked out by hand below. */
const SCORES = [
  [0.9, 0.5, 0.1], // true 0 → ranks 0,1,2: right
  [0.5, 0.9, 0.1], // true 0 → 1,0,2: wrong, 0 second
  [0.1, 0.9, 0.5], // true 1 → 1,2,0: right
  [0.1, 0.5, 0.9], // true 1 → 2,1,0: wrong, 1 second
  [0.5, 0.1, 0.9], // true 2 → 2,0,1: right
  [0.9, 0.1, 0.5], // true 2 → 0,2,1: wrong, 2 second
  [0.5, 0.9, 0.1], // true 2 → 1,0,2: wrong, 2 third
];
const TARGETS = [0, 0, 1, 1, 2, 2, 2];

describe("eval metrics (hand-computed)", () => {
  const rankings = SCORES.map((s) => rankClasses(s));

  it("ranks classes best first, ties to the lower index", () => {
    assert.deepEqual(rankings[3], [2, 1, 0]);
    assert.deepEqual(rankClasses([0.5, 0.9, 0.9, 0.1]), [1, 2, 0, 3]);
    assert.deepEqual(rankClasses([0.5, 0.9, 0.9, 0.1], 2), [1, 2]);
    assert.deepEqual(rankClasses([0.3, 0.2], 5), [0, 1]);
  });

  it("confusion matrix: rows true, columns predicted", () => {
    const m = confusionMatrix(
      TARGETS,
      rankings.map((r) => r[0]),
      3,
    );
    assert.deepEqual(m, [
      [1, 1, 0],
      [0, 1, 1],
      [1, 1, 1],
    ]);
    assert.throws(() => confusionMatrix([0, 3], [0, 0], 3), RangeError);
  });

  it("top-k accuracy", () => {
    assert.equal(topKAccuracy(TARGETS, rankings, 1), 3 / 7);
    assert.equal(topKAccuracy(TARGETS, rankings, 2), 6 / 7);
    assert.equal(topKAccuracy(TARGETS, rankings, 3), 1);
    assert.equal(topKAccuracy([], [], 1), 0);
  });

  it("per-class recall and its mean (balanced accuracy)", () => {
    const m = confusionMatrix(
      TARGETS,
      rankings.map((r) => r[0]),
      3,
    );
    assert.deepEqual(perClassRecall(m), [1 / 2, 1 / 2, 1 / 3]);
    assert.ok(Math.abs(meanPerClassRecall(m) - (1 / 2 + 1 / 2 + 1 / 3) / 3) < 1e-15);
  });

  it("all metrics together; top-5 is null with fewer than 5 classes (CLIP_benchmark: NaN)", () => {
    const m = classificationMetrics(TARGETS, rankings, 3);
    assert.equal(m.count, 7);
    assert.equal(m.top1, 3 / 7);
    assert.equal(m.top5, null);
    assert.ok(Math.abs(m.meanPerClassRecall - 4 / 9) < 1e-15);
    assert.deepEqual(m.perClass, [0.5, 0.5, 1 / 3]);
  });

  it("top-5 with six classes", () => {
    const targets = [5, 3, 0];
    const r = [
      [0, 1, 2, 3, 4, 5], // 5 is sixth: miss
      [0, 1, 2, 3, 4, 5], // 3 is fourth: hit
      [0, 1, 2, 3, 4], // hit (rankings need only min(5, classes) entries)
    ];
    const m = classificationMetrics(targets, r, 6);
    assert.equal(m.top5, 2 / 3);
    assert.equal(m.top1, 1 / 3);
  });

  it("classes without images are left out of the mean, as sklearn does", () => {
    // y_true [0, 0], y_pred [1, 0]: sklearn's balanced_accuracy_score gives 0.5.
    const m = classificationMetrics([0, 0], [[1], [0]], 3);
    assert.deepEqual(m.perClass, [0.5, null, null]);
    assert.equal(m.meanPerClassRecall, 0.5);
    assert.deepEqual(m.confusion, [
      [1, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it("most confused pairs: largest off-diagonal cells first", () => {
    const m = [
      [5, 3, 0],
      [1, 4, 3],
      [7, 0, 2],
    ];
    assert.deepEqual(mostConfusedPairs(m, 3), [
      { actual: 2, predicted: 0, count: 7 },
      { actual: 0, predicted: 1, count: 3 },
      { actual: 1, predicted: 2, count: 3 },
    ]);
    assert.equal(mostConfusedPairs(m, 10).length, 4);
    assert.deepEqual(mostConfusedPairs([[3]], 5), []);
  });
});
