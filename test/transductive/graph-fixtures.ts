/** Inputs for the neighbour-graph tests: rows with near and exact ties, a naive float32 kernel. */
import type { Float32ProductRequest } from "../../src/transductive/knn-scores.js";
import { seeded } from "../support/random-vectors.js";

/** A naive float32 A · Bᵀ. */
export function naiveScores32({ a, b, m, n, k, out }: Float32ProductRequest): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[j * k + t];
      out[i * n + j] = s;
    }
  }
}

/** Unnormalized rows, with clusters (near-ties) and one duplicated row (exact ties). */
export function graphRows(n: number, dim: number, seed: number): Float32Array[] {
  const r = seeded(seed);
  const centres = Array.from({ length: 5 }, () => Array.from({ length: dim }, () => r() - 0.5));
  const rows = Array.from({ length: n }, (_, i) =>
    Float32Array.from(centres[i % 5], (v) => (v + 0.2 * (r() - 0.5)) * (1 + (i % 3))),
  );
  if (n > 7) rows[7] = rows[3].slice();
  return rows;
}
