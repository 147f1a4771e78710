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

/** A graph in compressed rows: row i's edges are `to[start[i]..start[i+1]]`, weights `weight`. */
export interface CompressedGraph {
  start: Int32Array;
  to: Int32Array;
  weight: Float64Array;
}

/**
 * W + Wᵀ in compressed rows, the operator of TransCLIP's Laplacian term Σ_j (w_ij + w_ji) z_j:
 * row i holds its own neighbours and the images that list i, with an edge found both ways
 * stored once with the two weights added (mutual neighbours are common, so this saves passes
 * over z rows in every assignment update).
 */
export function symmetricGraph(g: NeighbourGraph, n: number): CompressedGraph {
  const degree = new Int32Array(n + 1);
  for (let e = 0; e < g.index.length; e++) {
    const j = g.index[e];
    if (j < 0) continue;
    degree[Math.floor(e / g.k)]++;
    degree[j]++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + degree[i];
  const fill = start.slice(0, n);
  const to = new Int32Array(start[n]);
  const weight = new Float64Array(start[n]);
  const add = (i: number, j: number, w: number) => {
    for (let p = start[i]; p < fill[i]; p++) {
      if (to[p] === j) {
        weight[p] += w;
        return;
      }
    }
    to[fill[i]] = j;
    weight[fill[i]++] = w;
  };
  for (let e = 0; e < g.index.length; e++) {
    const j = g.index[e];
    if (j < 0) continue;
    const i = Math.floor(e / g.k);
    add(i, j, g.weight[e]);
    add(j, i, g.weight[e]);
  }
  // Compact: merged edges leave holes at the end of their rows.
  let w = 0;
  const compactStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    compactStart[i] = w;
    for (let p = start[i]; p < fill[i]; p++) {
      to[w] = to[p];
      weight[w++] = weight[p];
    }
  }
  compactStart[n] = w;
  return { start: compactStart, to: to.slice(0, w), weight: weight.slice(0, w) };
}
