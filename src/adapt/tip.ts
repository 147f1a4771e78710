/**
 * Tip-Adapter (gaopengcuhk/Tip-Adapter) and TIP-X (vishaal27/SuS-X, tipx.py) logits, as the
 * official code computes them. s = logit scale, W = normalized class text embeddings (rows),
 * f = a normalized test feature, K = cache keys (rows), L = one-hot labels of the keys.
 *
 *   zero-shot    s · f·Wᵀ
 *   Tip-Adapter  s · f·Wᵀ + α · exp(−β · (1 − f·Kᵀ)) · L
 *   TIP-X        s · f·Wᵀ + γ · (−rescale(KL(p_f ‖ q_k))) · L + α · exp(−β · (1 − f·Kᵀ)) · L
 *
 * with p_f = softmax(f·Wᵀ / τ), q_k = softmax(K_k·Wᵀ / τ) (τ = 0.5), and rescale the min–max map
 * of the KL values onto the range of the affinities f·Kᵀ (see `TipXParams`).
 *
 * Pure: no IO. Everything is computed in float64.
 */
import { softmax } from "../math/vector.js";

/** Keys and their class indices. */
export interface CacheModel {
  /** One L2-normalized key per support image. */
  keys: readonly ArrayLike<number>[];
  /** Class index of each key. */
  labels: readonly number[];
}

export interface TipAdapterParams {
  alpha: number;
  beta: number;
  logitScale: number;
}

/**
 * TIP-X's extra parameters. tipx.py min–max rescales the whole matrix of KL divergences onto the
 * [min, max] of the affinity matrix; `klRange` and `affinityRange` are those two ranges, fixed
 * when the adapter is built (from the validation images, or the keys themselves), so that an
 * image's scores never depend on which other images are classified with it.
 */
export interface TipXParams extends TipAdapterParams {
  gamma: number;
  /** Softmax temperature of the text-space distributions (tipx.py's default 0.5). */
  temperature: number;
  klRange: readonly [number, number];
  affinityRange: readonly [number, number];
}

/** tipx.py's `--temperature` default. */
export const TIPX_TEMPERATURE = 0.5;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function checkDims(f: ArrayLike<number>, rows: readonly ArrayLike<number>[], what: string): void {
  if (rows.length > 0 && rows[0].length !== f.length) {
    throw new RangeError(`feature has ${f.length} values but the ${what} have ${rows[0].length}`);
  }
}

/** s · f·W_c for every class c. */
export function zeroShotRow(
  f: ArrayLike<number>,
  classEmbeddings: readonly ArrayLike<number>[],
  logitScale: number,
): Float64Array {
  checkDims(f, classEmbeddings, "class embeddings");
  const out = new Float64Array(classEmbeddings.length);
  for (let c = 0; c < out.length; c++) out[c] = logitScale * dot(f, classEmbeddings[c]);
  return out;
}

/** Zero-shot logits of every feature. */
export function zeroShotLogits(
  features: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  logitScale: number,
): Float64Array[] {
  return features.map((f) => zeroShotRow(f, classEmbeddings, logitScale));
}

/** f·K_k for every key. */
export function affinities(f: ArrayLike<number>, keys: readonly ArrayLike<number>[]): Float64Array {
  checkDims(f, keys, "cache keys");
  const out = new Float64Array(keys.length);
  for (let k = 0; k < out.length; k++) out[k] = dot(f, keys[k]);
  return out;
}

/** The cache term before α: Σ over keys of class c of exp(−β · (1 − affinity)). */
export function cacheScores(
  affinity: ArrayLike<number>,
  labels: readonly number[],
  numClasses: number,
  beta: number,
): Float64Array {
  const out = new Float64Array(numClasses);
  for (let k = 0; k < affinity.length; k++)
    out[labels[k]] += Math.exp(-(beta - beta * affinity[k]));
  return out;
}

/** Tip-Adapter logits of every feature. */
export function tipAdapterLogits(
  features: readonly ArrayLike<number>[],
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  params: TipAdapterParams,
): Float64Array[] {
  const C = classEmbeddings.length;
  return features.map((f) => {
    const z = zeroShotRow(f, classEmbeddings, params.logitScale);
    const a = cacheScores(affinities(f, cache.keys), cache.labels, C, params.beta);
    for (let c = 0; c < C; c++) z[c] += a[c] * params.alpha;
    return z;
  });
}

/** softmax(v·Wᵀ / τ): an image's distribution over the classes in text space. */
export function textDistribution(
  v: ArrayLike<number>,
  classEmbeddings: readonly ArrayLike<number>[],
  temperature: number,
): Float64Array {
  return softmax(classEmbeddings.map((w) => dot(v, w) / temperature));
}

/** KL(p ‖ q) = Σ p · (log p − log q), tipx.py's direction (test distribution first). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let c = 0; c < p.length; c++) if (p[c] > 0) s += p[c] * (Math.log(p[c]) - Math.log(q[c]));
  return s;
}

/** The min–max map of tipx.py's `scale_`: x from `from` onto `to` (constant when `from` is). */
export function rescale(
  x: number,
  from: readonly [number, number],
  to: readonly [number, number],
): number {
  const span = from[1] - from[0];
  const y = span === 0 ? 0 : (x - from[0]) / span;
  return y * (to[1] - to[0]) + to[0];
}

/**
 * The KL term before γ: for class c, minus the sum over keys of class c of the rescaled
 * divergences `kl` (KL(p_f ‖ q_k) for each key k, see `klToKeys`).
 */
export function klScores(
  kl: ArrayLike<number>,
  labels: readonly number[],
  numClasses: number,
  klRange: readonly [number, number],
  affinityRange: readonly [number, number],
): Float64Array {
  const out = new Float64Array(numClasses);
  for (let k = 0; k < kl.length; k++) out[labels[k]] += -rescale(kl[k], klRange, affinityRange);
  return out;
}

/** KL(p_f ‖ q_k) for every key. */
export function klToKeys(
  f: ArrayLike<number>,
  keyDistributions: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  temperature: number,
): Float64Array {
  const p = textDistribution(f, classEmbeddings, temperature);
  const out = new Float64Array(keyDistributions.length);
  for (let k = 0; k < out.length; k++) out[k] = klDivergence(p, keyDistributions[k]);
  return out;
}

/** The keys' text-space distributions q_k. */
export function keyDistributions(
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  temperature: number,
): Float64Array[] {
  return cache.keys.map((k) => textDistribution(k, classEmbeddings, temperature));
}

/**
 * The ranges TIP-X rescales with, measured on `queries` (validation features; tipx.py uses the
 * whole matrices of the images being scored): [min, max] of KL(p_f ‖ q_k) and of f·K_k over
 * every query f and key k.
 */
export function tipXRanges(
  queries: readonly ArrayLike<number>[],
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  temperature: number,
): { klRange: [number, number]; affinityRange: [number, number] } {
  if (queries.length === 0 || cache.keys.length === 0) {
    return { klRange: [0, 0], affinityRange: [0, 0] };
  }
  const q = keyDistributions(cache, classEmbeddings, temperature);
  const kl: [number, number] = [Infinity, -Infinity];
  const aff: [number, number] = [Infinity, -Infinity];
  for (const f of queries) {
    for (const v of klToKeys(f, q, classEmbeddings, temperature)) {
      kl[0] = Math.min(kl[0], v);
      kl[1] = Math.max(kl[1], v);
    }
    for (const v of affinities(f, cache.keys)) {
      aff[0] = Math.min(aff[0], v);
      aff[1] = Math.max(aff[1], v);
    }
  }
  return { klRange: kl, affinityRange: aff };
}

/** TIP-X logits of every feature (tipx.py's sum order: zero-shot + γ·KL term + α·cache term). */
export function tipXLogits(
  features: readonly ArrayLike<number>[],
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  params: TipXParams,
  keyDists: readonly ArrayLike<number>[] = keyDistributions(
    cache,
    classEmbeddings,
    params.temperature,
  ),
): Float64Array[] {
  const C = classEmbeddings.length;
  return features.map((f) => {
    const z = zeroShotRow(f, classEmbeddings, params.logitScale);
    const kl = klScores(
      klToKeys(f, keyDists, classEmbeddings, params.temperature),
      cache.labels,
      C,
      params.klRange,
      params.affinityRange,
    );
    const a = cacheScores(affinities(f, cache.keys), cache.labels, C, params.beta);
    for (let c = 0; c < C; c++) z[c] = z[c] + kl[c] * params.gamma + a[c] * params.alpha;
    return z;
  });
}
