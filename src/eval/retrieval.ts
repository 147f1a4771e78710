/**
 * Image–text retrieval metrics, as CLIP_benchmark defines them (metrics/zeroshot_retrieval.py),
 * and CLIP's symmetric contrastive (InfoNCE) loss. Pure functions: embeddings in, numbers out.
 *
 * - text→image R@k ("image_retrieval_recall@k"): for each caption, 1 if its image is among the
 *   k images with the highest cosine, else 0; the mean over captions.
 * - image→text R@k ("text_retrieval_recall@k"): for each image, 1 if any of its captions is
 *   among the k captions with the highest cosine; the mean over images.
 * - The loss over N (image, caption) pairs at logit scale s: logits = s · I·Tᵀ (cosines), and
 *   (CE(logits, diag) + CE(logitsᵀ, diag)) / 2, cross-entropy averaged over rows, as in CLIP.
 *
 * Ties in a ranking keep the lower index first; k larger than the candidates counts them all.
 */
import { dot } from "../math/vector.js";

/** The k values reported. */
export const RECALL_KS = [1, 5, 10] as const;

export type RecallAtK = Record<`R@${(typeof RECALL_KS)[number]}`, number>;

export interface RetrievalMetrics {
  image_to_text: RecallAtK;
  text_to_image: RecallAtK;
  /** Symmetric InfoNCE over all (image, first caption) pairs as one batch. */
  contrastive_loss: number;
  /** The mean of the loss over consecutive batches of `batch_size` pairs (the last may be smaller). */
  batch_contrastive_loss: number;
  /** (image, first caption) pairs: one per image. */
  pairs: number;
  images: number;
  captions: number;
  batch_size: number;
  logit_scale: number;
}

/**
 * Indices of the `k` largest of `count` values read as `value(0..count-1)`, largest first; ties
 * keep the lower index first (a partial selection, O(count · k)).
 */
function topIndices(count: number, k: number, value: (i: number) => number): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = value(i);
    if (idx.length === k && !(v > val[k - 1])) continue;
    let at = idx.length === k ? k - 1 : idx.length;
    while (at > 0 && v > val[at - 1]) at--;
    idx.splice(at, 0, i);
    val.splice(at, 0, v);
    if (idx.length > k) {
      idx.pop();
      val.pop();
    }
  }
  return idx;
}

/**
 * Fraction of queries with at least one positive among their top `k` candidates.
 * `score(q, c)` is the score of candidate c for query q.
 */
export function recallAtK(
  queries: number,
  candidates: number,
  score: (q: number, c: number) => number,
  positives: (q: number) => ReadonlySet<number>,
  k: number,
): number {
  if (queries === 0) return 0;
  let hits = 0;
  for (let q = 0; q < queries; q++) {
    const pos = positives(q);
    const top = topIndices(candidates, Math.min(k, candidates), (c) => score(q, c));
    if (top.some((c) => pos.has(c))) hits++;
  }
  return hits / queries;
}

/** captions × images cosines (float64 sums, stored as float32, as CLIP_benchmark's matmul). */
function scoreMatrix(captions: readonly Float32Array[], images: readonly Float32Array[]) {
  const m = new Float32Array(captions.length * images.length);
  captions.forEach((t, j) => {
    for (let i = 0; i < images.length; i++) m[j * images.length + i] = dot(t, images[i]);
  });
  return m;
}

/**
 * Recall@1/5/10 in both directions. `captionImage[j]` is the index (into `images`) of the image
 * caption j describes. Embeddings must be L2-normalized (scores are then cosines).
 */
export function retrievalRecalls(
  images: readonly Float32Array[],
  captions: readonly Float32Array[],
  captionImage: readonly number[],
): { image_to_text: RecallAtK; text_to_image: RecallAtK } {
  if (captionImage.length !== captions.length) {
    throw new RangeError(`${captions.length} captions but ${captionImage.length} image indices`);
  }
  const nI = images.length;
  const nT = captions.length;
  const m = scoreMatrix(captions, images);
  const ofImage = images.map(() => new Set<number>());
  captionImage.forEach((i, j) => {
    ofImage[i].add(j);
  });
  const recalls = (f: (k: number) => number) =>
    Object.fromEntries(RECALL_KS.map((k) => [`R@${k}`, f(k)])) as RecallAtK;
  return {
    image_to_text: recalls((k) =>
      recallAtK(
        nI,
        nT,
        (i, j) => m[j * nI + i],
        (i) => ofImage[i],
        k,
      ),
    ),
    text_to_image: recalls((k) =>
      recallAtK(
        nT,
        nI,
        (j, i) => m[j * nI + i],
        (j) => new Set([captionImage[j]]),
        k,
      ),
    ),
  };
}

/** Mean over the n rows (or columns) of an n × n matrix of −log softmax(line)[diagonal]. */
function crossEntropyDiagonal(logits: Float64Array, n: number, columns: boolean): number {
  const at = (line: number, k: number) => (columns ? logits[k * n + line] : logits[line * n + k]);
  let sum = 0;
  for (let line = 0; line < n; line++) {
    let max = -Infinity;
    for (let k = 0; k < n; k++) max = Math.max(max, at(line, k));
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(at(line, k) - max);
    sum += max + Math.log(s) - at(line, line);
  }
  return sum / n;
}

/**
 * CLIP's symmetric contrastive loss over pairs (images[i], texts[i]), embeddings L2-normalized:
 * the mean of the image→text and text→image cross-entropies of `logitScale` × cosine logits.
 */
export function contrastiveLoss(
  images: readonly Float32Array[],
  texts: readonly Float32Array[],
  logitScale: number,
): number {
  if (images.length !== texts.length) {
    throw new RangeError(`${images.length} images but ${texts.length} texts`);
  }
  const n = images.length;
  if (n === 0) return Number.NaN;
  const logits = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) logits[i * n + j] = logitScale * dot(images[i], texts[j]);
  }
  return (crossEntropyDiagonal(logits, n, false) + crossEntropyDiagonal(logits, n, true)) / 2;
}

/** The mean of `contrastiveLoss` over consecutive batches of `batchSize` pairs. */
export function batchContrastiveLoss(
  images: readonly Float32Array[],
  texts: readonly Float32Array[],
  logitScale: number,
  batchSize: number,
): number {
  if (!(batchSize >= 1)) throw new RangeError(`batch size must be at least 1, got ${batchSize}`);
  const losses: number[] = [];
  for (let s = 0; s < images.length; s += batchSize) {
    losses.push(
      contrastiveLoss(images.slice(s, s + batchSize), texts.slice(s, s + batchSize), logitScale),
    );
  }
  return losses.length === 0 ? Number.NaN : losses.reduce((a, b) => a + b, 0) / losses.length;
}

/**
 * Every metric. Each image's first caption (the first in `captionImage` order) forms its pair
 * for the loss.
 */
export function retrievalMetrics(
  images: readonly Float32Array[],
  captions: readonly Float32Array[],
  captionImage: readonly number[],
  logitScale: number,
  batchSize: number,
): RetrievalMetrics {
  const first = new Array<number>(images.length).fill(-1);
  captionImage.forEach((i, j) => {
    if (first[i] < 0) first[i] = j;
  });
  const paired = first.map((j, i) => ({ i, j })).filter((p) => p.j >= 0);
  const pairImages = paired.map((p) => images[p.i]);
  const pairTexts = paired.map((p) => captions[p.j]);
  return {
    ...retrievalRecalls(images, captions, captionImage),
    contrastive_loss: contrastiveLoss(pairImages, pairTexts, logitScale),
    batch_contrastive_loss: batchContrastiveLoss(pairImages, pairTexts, logitScale, batchSize),
    pairs: paired.length,
    images: images.length,
    captions: captions.length,
    batch_size: batchSize,
    logit_scale: logitScale,
  };
}
