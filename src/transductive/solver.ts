/**
 * TransCLIP's zero-shot solver as a generator of matrix products: every N × K × d product
 * (the scores of the images against the class directions, and the z-weighted sums Zᵀ X) is
 * yielded as a `ProductRequest` for the caller to fulfil, synchronously in plain JavaScript or
 * asynchronously on a faster kernel; everything else (softmaxes, the Laplacian term, the
 * means and variance) runs here. The products are asked for in chunks of rows, so a kernel's
 * buffers stay small whatever N is. Pure math: no IO.
 *
 * With a shared diagonal variance the log-likelihood is linear in x_i up to a term equal for
 * every class of a row (which cancels in the softmax):
 *   log N(x_i | μ_c, σ²) = x_i · (μ_c / σ²) − ½ Σ_d μ_cd² / σ²_d + (row constant),
 * so each block's likelihood is one product X Qᵀ, computed once per block (means and variance
 * change only between blocks), not once per assignment update.
 */
import { expNonPositive } from "./fast-exp.js";
import { assignmentTotals, confidentMeans, meansAndVariance, softmaxRows } from "./gmm.js";
import { type CompressedGraph, type NeighbourGraph, symmetricGraph } from "./knn.js";
import type { ProductRequest } from "./products.js";

/** Image rows per product request (default). */
export const CHUNK_ROWS = 4096;

/**
 * One assignment update (see `assignmentRows`), yielded so the caller may split its rows over
 * threads: with `SolverInput.shared` every array here lives in a SharedArrayBuffer.
 */
export interface StepRequest {
  kind: "step";
  base: Float64Array;
  from: Float64Array;
  fromScale: Float64Array;
  to: Float64Array;
  toScale: Float64Array;
  /** The Laplacian's compressed rows (`CompressedGraph`, weights pre-scaled). */
  start: Int32Array;
  adj: Int32Array;
  weight: Float64Array;
  n: number;
  k: number;
}

export type SolverRequest = ProductRequest | StepRequest;

/** A float64 array, in a SharedArrayBuffer when `shared`. */
export function float64s(length: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

export interface SolverInput {
  /** N × d image embeddings, rows L2-normalized. */
  x: Float64Array;
  /** K × d class embeddings, rows L2-normalized. */
  t: Float64Array;
  n: number;
  k: number;
  dim: number;
  graph: NeighbourGraph;
  /** Image rows per product request. */
  chunkRows: number;
  logitScale: number;
  lambda: number;
  rounds: number;
  zSteps: number;
  confident: number;
  temperature: number;
  /** λ · log ŷ (N × K) when the caller gave ŷ; its ŷ is then `initial`. */
  logPrior?: Float64Array;
  initial: Float64Array;
  keepInitial: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** The N × K buffers (and `initial`, made by the caller) in SharedArrayBuffers. */
  shared: boolean;
}

export interface SolverOutput {
  z: Float64Array;
  zeroShot: Int32Array;
  predictions: Int32Array;
}

/** out (rows of x × K) = x · qᵀ, in chunks of rows. */
function* scores(
  rows: number,
  x: Float64Array,
  q: Float64Array,
  n: number,
  k: number,
  dim: number,
  out: Float64Array,
): Generator<ProductRequest, void, void> {
  for (let r0 = 0; r0 < n; r0 += rows) {
    const r1 = Math.min(n, r0 + rows);
    const a = x.subarray(r0 * dim, r1 * dim);
    yield { kind: "ABt", a, b: q, m: r1 - r0, n: k, k: dim, out: out.subarray(r0 * k, r1 * k) };
  }
}

/** S = Zᵀ X (K × d), summed over chunks of rows. */
function* weightedSums(
  rows: number,
  x: Float64Array,
  z: Float64Array,
  n: number,
  k: number,
  dim: number,
): Generator<ProductRequest, Float64Array, void> {
  const sums = new Float64Array(k * dim);
  const part = new Float64Array(k * dim);
  for (let r0 = 0; r0 < n; r0 += rows) {
    const r1 = Math.min(n, r0 + rows);
    const a = z.subarray(r0 * k, r1 * k);
    yield {
      kind: "AtB",
      a,
      b: x.subarray(r0 * dim, r1 * dim),
      m: k,
      n: dim,
      k: r1 - r0,
      out: part,
    };
    for (let e = 0; e < k * dim; e++) sums[e] += part[e];
  }
  return sums;
}

export function* solveTransclip(s: SolverInput): Generator<SolverRequest, SolverOutput, void> {
  const { x, t, n, k, dim, initial } = s;
  if (!s.logPrior) {
    yield* scores(s.chunkRows, x, t, n, k, dim, initial);
    for (let j = 0; j < n * k; j++) initial[j] *= s.logitScale;
    softmaxRows(initial, n, k);
  }
  const zeroShot = argmaxRows(initial, n, k);
  const sym = symmetricGraph(s.graph, n);
  const ints = (v: Int32Array) => {
    const out = s.shared ? new Int32Array(new SharedArrayBuffer(v.length * 4)) : v.slice();
    out.set(v);
    return out;
  };
  const lapWeight = float64s(sym.weight.length, s.shared);
  const lapScale = 1 / (2 * s.graph.k);
  for (let e = 0; e < lapWeight.length; e++) lapWeight[e] = sym.weight[e] * lapScale;
  const lap: CompressedGraph = { start: ints(sym.start), to: ints(sym.to), weight: lapWeight };

  // z starts as ŷ; the buffer is then reused for later z unless ŷ is to be returned.
  let z: Float64Array = initial;
  if (s.keepInitial) {
    z = float64s(n * k, s.shared);
    z.set(initial);
  }
  let mu: Float64Array = confidentMeans(x, z, n, k, dim, s.confident);
  let variance: Float64Array = new Float64Array(dim).fill(1 / dim);
  const base = float64s(n * k, s.shared);
  let next: Float64Array = float64s(n * k, s.shared);
  const q = new Float64Array(k * dim);
  const bias = new Float64Array(k);
  let zScale = float64s(n, s.shared).fill(1);
  let nextScale = float64s(n, s.shared);
  const T = s.temperature;
  const prior = s.logPrior ? 0 : s.lambda * s.logitScale;

  for (let block = 0; block <= s.rounds; block++) {
    s.signal?.throwIfAborted();
    // base_ic = λ log ŷ_ic + log N(x_i | μ_c, σ²) / T, up to terms equal for every class of a
    // row: x_i·(λ s t_c + μ_c/(T σ²)) − Σ μ_c² / (2 T σ²).
    for (let c = 0; c < k; c++) {
      let b = 0;
      for (let d = 0; d < dim; d++) {
        const m = mu[c * dim + d];
        q[c * dim + d] = prior * t[c * dim + d] + m / (T * variance[d]);
        b -= (m * m) / (2 * T * variance[d]);
      }
      bias[c] = b;
    }
    yield* scores(s.chunkRows, x, q, n, k, dim, base);
    addBias(base, bias, n, k, s.logPrior);
    for (let step = 0; step < s.zSteps; step++) {
      yield {
        kind: "step",
        base,
        from: z,
        fromScale: zScale,
        to: next,
        toScale: nextScale,
        start: lap.start,
        adj: lap.to,
        weight: lap.weight,
        n,
        k,
      };
      [z, next] = [next, z];
      [zScale, nextScale] = [nextScale, zScale];
    }
    normalizeRows(z, zScale, n, k);
    s.onProgress?.(block + 1, s.rounds + 1);
    if (block === s.rounds) break;
    const sums = yield* weightedSums(s.chunkRows, x, z, n, k, dim);
    ({ mu, variance } = meansAndVariance(sums, assignmentTotals(x, z, n, k, dim), k, dim));
  }
  return { z, zeroShot, predictions: argmaxRows(z, n, k) };
}

function addBias(
  base: Float64Array,
  bias: Float64Array,
  n: number,
  k: number,
  logPrior?: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    if (logPrior) for (let c = 0; c < k; c++) base[o + c] += bias[c] + logPrior[o + c];
    else for (let c = 0; c < k; c++) base[o + c] += bias[c];
  }
}

/** Argmax of each row of an n × k matrix (ties: the lower index). */
export function argmaxRows(m: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (m[i * k + c] > m[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * One assignment update of images [r0, r1) from the previous z into the next:
 * z_i = softmax(base_i + Σ_j lap_ij z_j), lap = (W + Wᵀ)/(2k) with the weights pre-scaled.
 * Rows are kept unnormalized, each with its scale (z_j = scale_j · e_j): the update writes
 * e_i = exp(v_i − max v_i) and scale_i = 1 / Σ e_i, and folds scale_j into the edge weights it
 * reads, which saves a pass over every row; `normalizeRows` applies the scales at a block's
 * end. Neighbour rows are summed four (the first pass: base and three) at a time.
 */
export function assignmentRows(req: StepRequest, r0: number, r1: number): void {
  const { base, from, fromScale, to, toScale, start, adj, weight, k } = req;
  for (let i = r0; i < r1; i++) {
    const o = i * k;
    const e1 = start[i + 1];
    // A missing neighbour reads row i of `from` with weight 0 (its values are finite).
    let e = start[i];
    const w0 = e < e1 ? weight[e] * fromScale[adj[e]] : 0;
    const j0 = e < e1 ? adj[e] * k : o;
    e++;
    const w1 = e < e1 ? weight[e] * fromScale[adj[e]] : 0;
    const j1 = e < e1 ? adj[e] * k : o;
    e++;
    const w2 = e < e1 ? weight[e] * fromScale[adj[e]] : 0;
    const j2 = e < e1 ? adj[e] * k : o;
    e++;
    for (let c = 0; c < k; c++) {
      to[o + c] = base[o + c] + w0 * from[j0 + c] + w1 * from[j1 + c] + w2 * from[j2 + c];
    }
    for (; e < e1; e += 4) {
      const v0 = weight[e] * fromScale[adj[e]];
      const i0 = adj[e] * k;
      const v1 = e + 1 < e1 ? weight[e + 1] * fromScale[adj[e + 1]] : 0;
      const i1 = e + 1 < e1 ? adj[e + 1] * k : o;
      const v2 = e + 2 < e1 ? weight[e + 2] * fromScale[adj[e + 2]] : 0;
      const i2 = e + 2 < e1 ? adj[e + 2] * k : o;
      const v3 = e + 3 < e1 ? weight[e + 3] * fromScale[adj[e + 3]] : 0;
      const i3 = e + 3 < e1 ? adj[e + 3] * k : o;
      for (let c = 0; c < k; c++) {
        to[o + c] += v0 * from[i0 + c] + v1 * from[i1 + c] + v2 * from[i2 + c] + v3 * from[i3 + c];
      }
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = o; c < o + k; c++) if (to[c] > max) max = to[c];
    let sum = 0;
    for (let c = o; c < o + k; c++) {
      const v = expNonPositive(to[c] - max);
      to[c] = v;
      sum += v;
    }
    toScale[i] = 1 / sum;
  }
}

/** z_i ← scale_i · z_i for every row, and the scales back to 1. */
function normalizeRows(z: Float64Array, scale: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    const f = scale[i];
    for (let c = i * k; c < (i + 1) * k; c++) z[c] *= f;
    scale[i] = 1;
  }
}
