/**
 * Classification metrics as CLIP_benchmark defines them (zeroshot_classification.py): top-1 and
 * top-5 accuracy, mean per-class recall (sklearn's balanced accuracy), per-class recall and the
 * confusion matrix. Pure functions: class indices in, numbers out; no IO.
 */
import { topK } from "../math/vector.js";

/** Top-k accuracy is reported only when there are at least this many classes (CLIP_benchmark). */
export const TOP5 = 5;

/** Metrics of one strategy on one set of images. Accuracies are fractions in [0, 1]. */
export interface ClassificationMetrics {
  /** Images scored (failed images are not among them). */
  count: number;
  top1: number;
  /** null when there are fewer than 5 classes (CLIP_benchmark reports NaN then). */
  top5: number | null;
  /** Mean of the per-class recalls over classes with at least one image (balanced accuracy). */
  meanPerClassRecall: number;
  /** Recall of each class (correct / images of that class); null for a class with no images. */
  perClass: (number | null)[];
  /** confusion[t][p]: images of true class t predicted as class p. */
  confusion: number[][];
}

/**
 * Class indices ranked by score, best first, cut to `k` (ties keep the lower index first, so
 * results do not depend on sort stability).
 */
export function rankClasses(scores: ArrayLike<number>, k = scores.length): number[] {
  return topK(scores, Math.min(k, scores.length));
}

/** Rows are true classes, columns predicted classes. */
export function confusionMatrix(
  targets: readonly number[],
  predicted: readonly number[],
  numClasses: number,
): number[][] {
  if (targets.length !== predicted.length) {
    throw new RangeError(`${targets.length} targets but ${predicted.length} predictions`);
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  targets.forEach((t, i) => {
    const p = predicted[i];
    checkIndex(t, numClasses);
    checkIndex(p, numClasses);
    m[t][p]++;
  });
  return m;
}

function checkIndex(i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new RangeError(`class index ${i} out of range 0..${n - 1}`);
  }
}

/**
 * Fraction of images whose true class is among the first `k` of their ranking (each ranking
 * lists class indices best first and must hold at least `k` of them). 0 for no images.
 */
export function topKAccuracy(
  targets: readonly number[],
  rankings: readonly (readonly number[])[],
  k: number,
): number {
  if (targets.length !== rankings.length) {
    throw new RangeError(`${targets.length} targets but ${rankings.length} rankings`);
  }
  if (targets.length === 0) return 0;
  let hits = 0;
  targets.forEach((t, i) => {
    const r = rankings[i];
    if (r.length < k) throw new RangeError(`ranking ${i} has ${r.length} classes, need ${k}`);
    for (let j = 0; j < k; j++) {
      if (r[j] === t) {
        hits++;
        break;
      }
    }
  });
  return hits / targets.length;
}

/** Recall per true class: diagonal / row sum; null for a row with no images. */
export function perClassRecall(confusion: readonly (readonly number[])[]): (number | null)[] {
  return confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[c] / total;
  });
}

/**
 * Mean per-class recall (sklearn `balanced_accuracy_score`): the mean of the recalls of the
 * classes that have images; classes with none are left out, as sklearn does. 0 for no images.
 */
export function meanPerClassRecall(confusion: readonly (readonly number[])[]): number {
  const recalls = perClassRecall(confusion).filter((r): r is number => r !== null);
  return recalls.length === 0 ? 0 : recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

/**
 * All metrics from true classes and rankings (class indices best first; at least
 * min(5, numClasses) per image). The top-1 prediction is each ranking's first entry.
 */
export function classificationMetrics(
  targets: readonly number[],
  rankings: readonly (readonly number[])[],
  numClasses: number,
): ClassificationMetrics {
  const predicted = rankings.map((r) => {
    if (r.length === 0) throw new RangeError("empty ranking");
    return r[0];
  });
  const confusion = confusionMatrix(targets, predicted, numClasses);
  return {
    count: targets.length,
    top1: topKAccuracy(targets, rankings, 1),
    top5: numClasses >= TOP5 ? topKAccuracy(targets, rankings, TOP5) : null,
    meanPerClassRecall: meanPerClassRecall(confusion),
    perClass: perClassRecall(confusion),
    confusion,
  };
}

/** An off-diagonal confusion cell. */
export interface ConfusedPair {
  /** True class index. */
  actual: number;
  /** Predicted class index. */
  predicted: number;
  count: number;
}

/**
 * The `n` largest off-diagonal cells (most images of one class taken for another), largest
 * first; ties by true class then predicted class. Empty cells are never listed.
 */
export function mostConfusedPairs(
  confusion: readonly (readonly number[])[],
  n: number,
): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  confusion.forEach((row, t) => {
    row.forEach((count, p) => {
      if (t !== p && count > 0) pairs.push({ actual: t, predicted: p, count });
    });
  });
  pairs.sort((a, b) => b.count - a.count || a.actual - b.actual || a.predicted - b.predicted);
  return pairs.slice(0, Math.max(0, n));
}
