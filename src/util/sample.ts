/** Deterministic subsets of a dataset for quick runs (`--per-class`, `--limit`). Pure. */

export interface SampleOptions {
  /** Keep at most this many images of each class. */
  perClass?: number;
  /** Then keep at most this many images in all. */
  limit?: number;
  /** Seed of the shuffle that picks which images (default 0). */
  seed?: number;
}

/** mulberry32: a small, well-known 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1: Fisher–Yates driven by mulberry32(seed). */
export function seededPermutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * A deterministic subset: the items are visited in a seeded shuffle of dataset order, the first
 * `perClass` of each class are kept, then the first `limit` of those; the kept items are returned
 * in their original dataset order. Without `perClass` and `limit`, all items.
 */
export function sampleItems<T extends { label: number }>(
  items: readonly T[],
  opts: SampleOptions = {},
): T[] {
  if (opts.perClass === undefined && opts.limit === undefined) return [...items];
  const order = seededPermutation(items.length, opts.seed ?? 0);
  const taken = new Map<number, number>();
  const keep: number[] = [];
  for (const i of order) {
    if (opts.limit !== undefined && keep.length >= opts.limit) break;
    const label = items[i].label;
    const n = taken.get(label) ?? 0;
    if (opts.perClass !== undefined && n >= opts.perClass) continue;
    taken.set(label, n + 1);
    keep.push(i);
  }
  keep.sort((a, b) => a - b);
  return keep.map((i) => items[i]);
}
