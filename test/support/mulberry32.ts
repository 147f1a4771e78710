/**
 * An independent mulberry32 and the sample docs/eval.md describes, for checking
 * src/util/sample.ts: the C reference (Tommy Ettinger's `uint32_t mulberry32(uint32_t *state)`)
 * transcribed with BigInt arithmetic modulo 2^32, sharing no code with the Math.imul version.
 */
const M32 = (1n << 32n) - 1n;

/** uint32 outputs of mulberry32 seeded with `seed`. */
export function referenceMulberry32(seed: number): () => number {
  let state = BigInt(seed >>> 0);
  return () => {
    state = (state + 0x6d2b79f5n) & M32;
    let z = state;
    z = ((z ^ (z >> 15n)) * (z | 1n)) & M32;
    z = (z ^ (z + (((z ^ (z >> 7n)) * (z | 61n)) & M32))) & M32;
    return Number(z ^ (z >> 14n));
  };
}

/**
 * The sample as documented: visit the items in a Fisher–Yates shuffle (i from n−1 down to 1,
 * j = ⌊u·(i+1)⌋ with u = output / 2^32), keep the first `perClass` of each class, then the first
 * `limit` of those, and list the kept indices in dataset order.
 */
export function referenceSample(
  labels: readonly (string | number)[],
  opts: { perClass?: number; limit?: number; seed?: number },
): number[] {
  const next = referenceMulberry32(opts.seed ?? 0);
  const order = labels.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor((next() / 2 ** 32) * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const perClass = new Map<string | number, number>();
  const kept: number[] = [];
  for (const i of order) {
    if (opts.limit !== undefined && kept.length === opts.limit) break;
    const n = perClass.get(labels[i]) ?? 0;
    if (opts.perClass !== undefined && n === opts.perClass) continue;
    perClass.set(labels[i], n + 1);
    kept.push(i);
  }
  return kept.sort((a, b) => a - b);
}
