/**
 * Pure vector math on Float32Array embeddings: no IO, no globals.
 * Accumulation is in float64 so results do not depend on summation order more than necessary.
 */

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm. */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** A new L2-normalized copy (a zero vector stays zero). */
export function l2Normalize(a: ArrayLike<number>): Float32Array {
  const n = norm(a);
  const out = new Float32Array(a.length);
  if (n === 0) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}

/** Cosine similarity. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

/** Element-wise mean of equally long vectors. */
export function meanVector(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError("mean of no vectors");
  const dim = vectors[0].length;
  const acc = new Float64Array(dim);
  for (const v of vectors) {
    if (v.length !== dim) throw new RangeError(`length mismatch: ${v.length} vs ${dim}`);
    for (let i = 0; i < dim; i++) acc[i] += v[i];
  }
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = acc[i] / vectors.length;
  return out;
}

/** Numerically stable softmax. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * Zero-shot probabilities: softmax(scale × cosine(image, class_c)) over all classes.
 * `classEmbeddings` rows must be L2-normalized; the image embedding need not be.
 */
export function zeroShotProbabilities(
  image: ArrayLike<number>,
  classEmbeddings: readonly ArrayLike<number>[],
  logitScale: number,
): Float64Array {
  const n = norm(image);
  const logits = classEmbeddings.map((c) => (n === 0 ? 0 : (logitScale * dot(image, c)) / n));
  return softmax(logits);
}

/** Indices of the k largest values, largest first (ties keep the lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, Math.max(0, k));
}
