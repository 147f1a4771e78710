/** Inputs for the neighbour-graph tests: rows with near and exact ties. */
import { seeded } from "../support/random-vectors.js";

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
