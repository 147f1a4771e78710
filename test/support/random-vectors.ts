/** Seeded random vectors for store tests and the search benchmark (no test framework here). */

/** A seeded xorshift generator of floats in [0, 1). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** `n` random L2-normalized vectors of `dim` values. */
export function randomUnitVectors(n: number, dim: number, seed: number): Float32Array[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dim }, () => r() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}
