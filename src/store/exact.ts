/**
 * Exact nearest neighbours by cosine over a row-major matrix of embeddings: usearch's
 * brute-force SIMD kernel finds the candidates, then each candidate's cosine is recomputed in
 * float64 (math/vector) and the list re-sorted, so scores are exact and the order does not
 * depend on float32 rounding in the kernel.
 */
import usearch from "usearch";
import { cosine } from "../math/vector.js";

/** Extra candidates fetched beyond k, so float32 near-ties at the cut are re-decided in float64. */
export const MARGIN = 8;

/** usearch reads a typed array from the start of its buffer: hand it one that starts there. */
function own(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

/** The `k` rows of `data` (`rows` × dim) closest to `query` by cosine, best first. */
export function exactTopK(
  data: Float32Array,
  rows: number,
  query: Float32Array,
  k: number,
): { row: number; score: number }[] {
  const dim = query.length;
  if (rows === 0 || k <= 0) return [];
  if (data.length !== rows * dim) {
    throw new RangeError(`matrix of ${data.length} values is not ${rows} × ${dim}`);
  }
  const want = Math.min(rows, k + MARGIN);
  const found = usearch.exactSearch(own(data), own(query), dim, want, usearch.MetricKind.Cos, 0);
  const keys = (found as { keys: BigUint64Array }).keys;
  const hits: { row: number; score: number }[] = [];
  for (const key of keys) {
    const row = Number(key);
    if (row >= rows) continue; // usearch pads missing results with a sentinel key
    hits.push({ row, score: cosine(query, data.subarray(row * dim, (row + 1) * dim)) });
  }
  hits.sort((a, b) => b.score - a.score || a.row - b.row);
  return hits.slice(0, k);
}
