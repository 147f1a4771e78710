/**
 * How a family turns image–text cosines into scores (pure, no IO):
 * - softmax (CLIP): `softmax_c(scale · cos_c)` — probabilities over the labels, summing to 1;
 * - sigmoid (SigLIP): `sigmoid(scale · cos_c + bias)` per label, each independent of the
 *   others (a label's probability does not change when another label is added).
 * `scale` is the multiplier itself (CLIP's 100, SigLIP's `exp(logit_scale)`), not its log.
 */
import { dot, norm, softmax } from "./vector.js";

export type Scoring =
  | { kind: "softmax"; scale: number }
  | { kind: "sigmoid"; scale: number; bias: number };

/**
 * Logits `scale · cos(image, class_c) (+ bias)` for every class. `classEmbeddings` rows must be
 * L2-normalized; the image embedding need not be.
 */
export function scoreLogits(
  image: ArrayLike<number>,
  classEmbeddings: readonly ArrayLike<number>[],
  scoring: Scoring,
): Float64Array {
  const n = norm(image);
  const bias = scoring.kind === "sigmoid" ? scoring.bias : 0;
  const out = new Float64Array(classEmbeddings.length);
  for (let c = 0; c < out.length; c++) {
    out[c] = (n === 0 ? 0 : (scoring.scale * dot(image, classEmbeddings[c])) / n) + bias;
  }
  return out;
}

/** The logistic function, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Probabilities from logits: a softmax over them, or a sigmoid of each. */
export function logitsToProbabilities(logits: ArrayLike<number>, scoring: Scoring): Float64Array {
  if (scoring.kind === "softmax") return softmax(logits);
  return Float64Array.from(logits, sigmoid);
}

/** Probabilities of every class for one image embedding, as the family scores them. */
export function scoreProbabilities(
  image: ArrayLike<number>,
  classEmbeddings: readonly ArrayLike<number>[],
  scoring: Scoring,
): Float64Array {
  return logitsToProbabilities(scoreLogits(image, classEmbeddings, scoring), scoring);
}
