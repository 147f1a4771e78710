/**
 * The exact k-nearest-neighbour graph through a kernel: for a block of rows the kernel finds
 * each row's `k + 1 + margin` best candidates among all rows by float32 cosine (A · Bᵀ and a
 * top-k; onnxruntime's GEMM and TopK, or `candidatesJs`), and those are re-scored in float64
 * and re-sorted, so the graph's weights are exact and a float32 near-tie at the cut is decided
 * in float64 (the scheme of src/store/exact.ts). Memory: one block of scores (`blockRows` × N
 * float32), never N × N. Pure math: no IO.
 */
import type { NeighbourGraph } from "./knn.js";

/**
 * For each of the m rows of A (m × k, float32), the indices of its `want` largest scores
 * a_i · b_j over the n rows of B (n × k): written to `candidates` (m × want, any order within
 * a row).
 */
export interface CandidateRequest {
  a: Float32Array;
  b: Float32Array;
  m: number;
  n: number;
  k: number;
  want: number;
  candidates: Int32Array;
}

/** Extra candidates per row beyond k + 1 (the row itself), re-decided in float64. */
export const CANDIDATE_MARGIN = 8;

/**
 * Yields the float32 score blocks to compute, returns the graph: for each row its k most
 * similar other rows by cosine (float64), best first, ties to the lower index; -1 and weight 0
 * for missing neighbours.
 */
export function* neighbourGraphFromScores(
  rows: readonly ArrayLike<number>[],
  k: number,
  blockRows = 512,
): Generator<CandidateRequest, NeighbourGraph, void> {
  const n = rows.length;
  const index = new Int32Array(n * k).fill(-1);
  const weight = new Float64Array(n * k);
  if (n <= 1 || k === 0) return { k, index, weight };
  const dim = rows[0].length;
  const norms = new Float64Array(n);
  const unit = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += rows[i][t] * rows[i][t];
    norms[i] = Math.sqrt(s);
    const inv = norms[i] > 0 ? 1 / norms[i] : 0;
    for (let t = 0; t < dim; t++) unit[i * dim + t] = rows[i][t] * inv;
  }
  const want = Math.min(n, k + 1 + CANDIDATE_MARGIN);
  const candidates = new Int32Array(Math.min(blockRows, n) * want);
  const scored: { j: number; s: number }[] = [];
  for (let r0 = 0; r0 < n; r0 += blockRows) {
    const m = Math.min(blockRows, n - r0);
    const a = unit.subarray(r0 * dim, (r0 + m) * dim);
    yield { a, b: unit, m, n, k: dim, want, candidates };
    for (let r = 0; r < m; r++) {
      const i = r0 + r;
      scored.length = 0;
      for (let p = r * want; p < (r + 1) * want; p++) {
        const j = candidates[p];
        if (j === i) continue;
        scored.push({ j, s: cosine64(rows[i], rows[j], norms[i], norms[j], dim) });
      }
      scored.sort((x, y) => y.s - x.s || x.j - y.j);
      for (let t = 0; t < k && t < scored.length; t++) {
        index[i * k + t] = scored[t].j;
        weight[i * k + t] = scored[t].s;
      }
    }
  }
  return { k, index, weight };
}

/** The plain JavaScript candidate kernel: float32 scores row by row, a running top. */
export function candidatesJs(req: CandidateRequest): void {
  const { a, b, m, n, k, want, candidates } = req;
  const row = new Float32Array(n);
  const cand = new Int32Array(want);
  const candScore = new Float32Array(want);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[j * k + t];
      row[j] = s;
    }
    topCandidates(row, 0, n, cand, candScore);
    candidates.set(cand, i * want);
  }
}

/** The `cand.length` largest values of `scores[o .. o+n)` (in no particular order). */
function topCandidates(
  scores: Float32Array,
  o: number,
  n: number,
  cand: Int32Array,
  candScore: Float32Array,
): number {
  const want = cand.length;
  let filled = 0;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const s = scores[o + j];
    if (filled < want) {
      cand[filled] = j;
      candScore[filled++] = s;
      if (filled === want) worst = argmin(candScore);
    } else if (s > candScore[worst]) {
      cand[worst] = j;
      candScore[worst] = s;
      worst = argmin(candScore);
    }
  }
  return filled;
}

function argmin(v: Float32Array): number {
  let best = 0;
  for (let p = 1; p < v.length; p++) if (v[p] < v[best]) best = p;
  return best;
}

function cosine64(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  na: number,
  nb: number,
  dim: number,
): number {
  if (na === 0 || nb === 0) return 0;
  let s = 0;
  for (let t = 0; t < dim; t++) s += a[t] * b[t];
  return s / (na * nb);
}

/** Fulfils one candidate request, synchronously or not. */
export type CandidateKernel = (req: CandidateRequest) => void | Promise<void>;

/** `neighbourGraphFromScores` with its candidate blocks on `product` (awaited one at a time). */
export async function neighbourGraphByProduct(
  rows: readonly ArrayLike<number>[],
  k: number,
  product: CandidateKernel,
  blockRows?: number,
): Promise<NeighbourGraph> {
  const run = neighbourGraphFromScores(rows, k, blockRows);
  let step = run.next();
  while (!step.done) {
    await product(step.value);
    step = run.next();
  }
  return step.value;
}
