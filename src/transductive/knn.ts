/**
 * The k-nearest-neighbour affinity graph TransCLIP regularises with: for each image its k most
 * similar other images (cosine of L2-normalized embeddings) and those cosines as edge weights.
 * Never an N×N matrix: rows are processed in blocks and only k entries per row are kept.
 * Pure math: no IO.
 */

/**
 * A sparse directed graph in fixed-width rows: row i lists its neighbours `index[i*k + j]` with
 * weights `weight[i*k + j]` (the cosine similarity); -1 marks a missing neighbour (fewer than k
 * other images). Row order of neighbours does not matter to TransCLIP.
 */
export interface NeighbourGraph {
  /** Neighbours per image. */
  k: number;
  /** N × k neighbour indices (-1 = none). */
  index: Int32Array;
  /** N × k edge weights (cosine similarity). */
  weight: Float64Array;
}

/** Rows compared at once: the block's dot products stay in cache. */
const BLOCK = 32;

/**
 * Exact k nearest neighbours of every row of `x` (`n` × `dim`, rows L2-normalized), excluding
 * the row itself, by cosine, computed in float64 in blocks of rows: O(n² · dim) time, O(n · k)
 * memory. Ties keep the lower index. Suited to small and medium sets (a few tens of thousands);
 * larger sets should pass a graph from an index (see `transductiveZeroShot`'s `graph`).
 */
export function exactNeighbourGraph(
  x: Float64Array,
  n: number,
  dim: number,
  k: number,
): NeighbourGraph {
  const index = new Int32Array(n * k).fill(-1);
  const weight = new Float64Array(n * k).fill(Number.NEGATIVE_INFINITY);
  const dots = new Float64Array(BLOCK * n);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const rows = Math.min(BLOCK, n - i0);
    for (let j = 0; j < n; j++) {
      const oj = j * dim;
      for (let r = 0; r < rows; r++) {
        const oi = (i0 + r) * dim;
        let s = 0;
        for (let t = 0; t < dim; t++) s += x[oi + t] * x[oj + t];
        dots[r * n + j] = s;
      }
    }
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const base = i * k;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        insertNeighbour(index, weight, base, k, j, dots[r * n + j]);
      }
    }
  }
  for (let t = 0; t < weight.length; t++) if (index[t] < 0) weight[t] = 0;
  return { k, index, weight };
}

/**
 * Insert neighbour `j` with score `s` into the sorted row starting at `base` (best first) when
 * it beats the row's last entry; equal scores keep the earlier (lower) index first.
 */
function insertNeighbour(
  index: Int32Array,
  weight: Float64Array,
  base: number,
  k: number,
  j: number,
  s: number,
): void {
  if (k === 0) return;
  const last = base + k - 1;
  if (index[last] >= 0 && !(s > weight[last])) return;
  let p = last;
  while (p > base && (index[p - 1] < 0 || s > weight[p - 1])) {
    index[p] = index[p - 1];
    weight[p] = weight[p - 1];
    p--;
  }
  index[p] = j;
  weight[p] = s;
}

/**
 * The reverse of a graph in compressed rows: for each image i, the images j whose neighbour
 * lists hold i (`from[start[i]..start[i+1]]`) with the edge weights w_ji. TransCLIP's Laplacian
 * term uses both W z and Wᵀ z.
 */
export function reverseGraph(
  g: NeighbourGraph,
  n: number,
): { start: Int32Array; from: Int32Array; weight: Float64Array } {
  const start = new Int32Array(n + 1);
  for (let t = 0; t < g.index.length; t++) if (g.index[t] >= 0) start[g.index[t] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const from = new Int32Array(start[n]);
  const weight = new Float64Array(start[n]);
  for (let t = 0; t < g.index.length; t++) {
    const j = g.index[t];
    if (j < 0) continue;
    const p = fill[j]++;
    from[p] = Math.floor(t / g.k);
    weight[p] = g.weight[t];
  }
  return { start, from, weight };
}
