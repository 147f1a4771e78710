/**
 * TransCLIP, zero-shot form (Zanella, Gérin, Ben Ayed, "Boosting Vision-Language Models with
 * Transduction", NeurIPS 2024): class assignments z of a whole set of images, refined from the
 * zero-shot predictions ŷ by a Gaussian mixture over the image embeddings (class means, one
 * shared diagonal variance) and a Laplacian term over the images' k-nearest-neighbour graph.
 *
 * Written from the paper and the authors' solver (TransCLIP_solver/TransCLIP_utils.py), in
 * their order: z = ŷ; means from the 8 most confident images per class; variance 1/d; then
 * `rounds + 1` blocks of `zSteps` assignment updates, with a mean update and a variance update
 * between consecutive blocks (10 of each by default). One assignment update is, for all images
 * at once (from the previous z):
 *
 *   z_i ∝ ŷ_i^λ · exp((log N(x_i | μ_c, Σ) + (T/2k) Σ_j (w_ij + w_ji) z_j) / T),  T = 50
 *
 * with log N(x | μ, Σ) = -½ Σ_d (x_d - μ_d)² / σ²_d (constant terms cancel) and w_ij the cosine
 * of image j among i's k = 3 nearest neighbours. Means are the z-weighted means of the images,
 * L2-normalized; the variance is Σ_i Σ_c z_ic (x_i - μ_c)² / Σ_i Σ_c z_ic.
 *
 * Pure math: no IO. Accumulation is in float64.
 */
import {
  confidentMeans,
  normalizedRows,
  scoresInto,
  softmaxRow,
  softmaxRows,
  updateMeansAndVariance,
} from "./gmm.js";
import { exactNeighbourGraph, type NeighbourGraph, reverseGraph } from "./knn.js";

/** The paper's zero-shot constants (every one can be overridden in `TransductiveOptions`). */
export const TRANSCLIP_DEFAULTS = Object.freeze({
  /** ŷ = softmax(logitScale · cos(x, t)): CLIP's trained logit scale. */
  logitScale: 100,
  /** Exponent λ of ŷ in the assignment update (the text term's weight). */
  lambda: 1,
  /** Mean + variance updates (`max_iter`); the assignment blocks are one more. */
  rounds: 10,
  /** Assignment updates per block. */
  zSteps: 5,
  /** Neighbours per image in the affinity graph. */
  neighbours: 3,
  /** Images per class whose z-weighted mean initialises that class's mean. */
  confident: 8,
  /** The temperature T dividing the log-likelihood and Laplacian terms. */
  temperature: 50,
});

export interface TransductiveOptions {
  logitScale?: number;
  lambda?: number;
  rounds?: number;
  zSteps?: number;
  neighbours?: number;
  confident?: number;
  temperature?: number;
  /**
   * The initial predictions ŷ (N × K, row-major, rows summing to 1) instead of
   * softmax(logitScale · X Tᵀ): the hook for models not scored by a softmax (a sigmoid family
   * passes its own per-class probabilities, normalized over the classes), or for another
   * method's predictions (the authors' `initial_predictions`).
   */
  initialProbabilities?: ArrayLike<number>;
  /** A precomputed neighbour graph (for example from a store's index); default: exact kNN. */
  graph?: NeighbourGraph;
  /** Also return ŷ (`initial`, N × K): costs one more N × K matrix. Default false. */
  keepInitial?: boolean;
  /** Called after each assignment block: blocks done and their total (`rounds + 1`). */
  onProgress?: (done: number, total: number) => void;
  /** Checked before each block (an aborted signal throws its reason). */
  signal?: AbortSignal;
}

export interface TransductiveResult {
  /** N × K class assignments z (row-major, rows sum to 1). */
  assignments: Float64Array;
  /** The class of each image: argmax of its z row (ties: the lower class index). */
  predictions: Int32Array;
  /** The zero-shot labels: argmax of each ŷ row (ties: the lower class index). */
  zeroShot: Int32Array;
  /** With `keepInitial`: the zero-shot predictions ŷ it started from (N × K, row-major). */
  initial?: Float64Array;
  images: number;
  classes: number;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}`);
  return v;
}

/**
 * TransCLIP's zero-shot assignments for a set of images. `imageEmbeddings` (N × d) and
 * `classEmbeddings` (K × d) are L2-normalized here (as the paper's features are).
 */
export function transductiveZeroShot(
  imageEmbeddings: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  options: TransductiveOptions = {},
): TransductiveResult {
  const o = { ...TRANSCLIP_DEFAULTS, ...options };
  const n = imageEmbeddings.length;
  const k = classEmbeddings.length;
  if (n === 0) throw new RangeError("no image embeddings");
  if (k === 0) throw new RangeError("no class embeddings");
  const dim = classEmbeddings[0].length;
  const rounds = positiveInt("rounds", o.rounds, 0);
  const zSteps = positiveInt("zSteps", o.zSteps);
  const nbrs = positiveInt("neighbours", o.neighbours);
  const top = positiveInt("confident", o.confident);
  if (!(o.temperature > 0)) throw new RangeError("temperature must be > 0");
  const x = normalizedRows(imageEmbeddings, dim);
  const t = normalizedRows(classEmbeddings, dim);

  // ŷ, and its log times λ: the part of every update's exponent that never changes, split
  // into the per-class direction λ·s·t_c (default) or a stored N × K matrix (given ŷ).
  const initial = new Float64Array(n * k);
  let logPrior: Float64Array | undefined;
  if (o.initialProbabilities) {
    const p = o.initialProbabilities;
    if (p.length !== n * k)
      throw new RangeError(`initialProbabilities must hold ${n} × ${k} values`);
    logPrior = new Float64Array(n * k);
    for (let j = 0; j < n * k; j++) {
      if (!(p[j] >= 0)) throw new RangeError("initialProbabilities must be ≥ 0");
      initial[j] = p[j];
      logPrior[j] = o.lambda * Math.log(p[j]);
    }
    for (let i = 0; i < n; i++) {
      if (!initial.subarray(i * k, (i + 1) * k).some((v) => v > 0)) {
        throw new RangeError(`initialProbabilities row ${i} has no positive value`);
      }
    }
  } else {
    scoresInto(x, n, t, new Float64Array(k), k, dim, initial);
    for (let j = 0; j < n * k; j++) initial[j] *= o.logitScale;
    softmaxRows(initial, n, k);
  }

  const graph = o.graph ?? exactNeighbourGraph(x, n, dim, nbrs);
  if (graph.k !== nbrs || graph.index.length !== n * nbrs || graph.weight.length !== n * nbrs) {
    throw new RangeError(`graph must have ${n} rows of ${nbrs} neighbours`);
  }
  const rev = reverseGraph(graph, n);
  const lapScale = 1 / (2 * nbrs);

  const zeroShot = argmaxRows(initial, n, k);
  // z starts as ŷ; the buffer is then reused for later z unless ŷ is to be returned.
  let z: Float64Array = o.keepInitial ? initial.slice() : initial;
  let mu: Float64Array = confidentMeans(x, z, n, k, dim, top);
  let variance: Float64Array = new Float64Array(dim).fill(1 / dim);
  const base = new Float64Array(n * k);
  let next: Float64Array = new Float64Array(n * k);
  const q = new Float64Array(k * dim);
  const bias = new Float64Array(k);
  const T = o.temperature;

  for (let block = 0; block <= rounds; block++) {
    o.signal?.throwIfAborted();
    // base_ic = λ log ŷ_ic + log N(x_i | μ_c, σ²) / T, up to terms equal for every class of a
    // row: x_i·(λ s t_c + μ_c/(T σ²)) − Σ μ_c² / (2 T σ²).
    for (let c = 0; c < k; c++) {
      let b = 0;
      for (let d = 0; d < dim; d++) {
        const m = mu[c * dim + d];
        const prior = logPrior ? 0 : o.lambda * o.logitScale * t[c * dim + d];
        q[c * dim + d] = prior + m / (T * variance[d]);
        b -= (m * m) / (2 * T * variance[d]);
      }
      bias[c] = b;
    }
    scoresInto(x, n, q, bias, k, dim, base);
    if (logPrior) for (let j = 0; j < n * k; j++) base[j] += logPrior[j];
    for (let step = 0; step < zSteps; step++) {
      assignmentStep(base, z, next, graph, rev, n, k, lapScale);
      [z, next] = [next, z];
    }
    o.onProgress?.(block + 1, rounds + 1);
    if (block === rounds) break;
    ({ mu, variance } = updateMeansAndVariance(x, z, n, k, dim));
  }
  return {
    assignments: z,
    predictions: argmaxRows(z, n, k),
    zeroShot,
    ...(o.keepInitial && { initial }),
    images: n,
    classes: k,
  };
}

/** Argmax of each row of an n × k matrix (ties: the lower index). */
function argmaxRows(m: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (m[i * k + c] > m[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** One assignment update of every image from the previous z (`from`) into `to`. */
function assignmentStep(
  base: Float64Array,
  from: Float64Array,
  to: Float64Array,
  g: NeighbourGraph,
  rev: ReturnType<typeof reverseGraph>,
  n: number,
  k: number,
  lapScale: number,
): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let c = 0; c < k; c++) to[o + c] = 0;
    for (let e = i * g.k; e < (i + 1) * g.k; e++) {
      const j = g.index[e];
      if (j < 0) continue;
      const w = g.weight[e];
      for (let c = 0; c < k; c++) to[o + c] += w * from[j * k + c];
    }
    for (let e = rev.start[i]; e < rev.start[i + 1]; e++) {
      const j = rev.from[e];
      const w = rev.weight[e];
      for (let c = 0; c < k; c++) to[o + c] += w * from[j * k + c];
    }
    for (let c = 0; c < k; c++) to[o + c] = base[o + c] + lapScale * to[o + c];
    softmaxRow(to, o, k);
  }
}
