/**
 * Length-bucketed batching for the text encoder. CLIP's causal mask and EOS pooling make the
 * pooled output independent of padding after EOS, so a batch only needs padding to its own
 * longest sequence; sorting by length keeps that padding small.
 */

/** Batches of indices into `lengths`, each of at most `batchSize` items of similar length. */
export function lengthBuckets(lengths: readonly number[], batchSize: number): number[][] {
  if (!(batchSize >= 1)) throw new RangeError(`batch size must be at least 1, got ${batchSize}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/** A row-major [rows × width] int64 matrix of ids, each row padded on the right with `padId`. */
export function padIds(
  rows: readonly (readonly number[])[],
  padId: number,
): { data: BigInt64Array; width: number } {
  const width = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const data = new BigInt64Array(rows.length * width).fill(BigInt(padId));
  rows.forEach((row, r) => {
    for (let i = 0; i < row.length; i++) data[r * width + i] = BigInt(row[i]);
  });
  return { data, width };
}
