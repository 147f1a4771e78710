/**
 * Seeded pseudo-random numbers: FNV-1a hash of (seed, tensor name) → splitmix32 → xoshiro128**,
 * normals by Box–Muller. Every tensor has its own stream, so a tensor's values depend only on
 * the seed and its name (not on generation order), and the same seed gives the same bits on any
 * platform (only integer ops, Math.log/sqrt/cos/sin, and float32 rounding are involved).
 */

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** generator returning uint32 values. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: string) {
    const sm = splitmix32(fnv1a(`${seed}\u0000${stream}`) ^ fnv1a(stream + String(seed)));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in (0, 1]. */
  uniform(): number {
    return (this.nextU32() + 1) / 4294967296;
  }

  /** Fills `out` with mean + std·N(0,1) samples. */
  fillNormal(out: Float32Array, mean: number, std: number): Float32Array {
    const n = out.length;
    let i = 0;
    while (i < n) {
      const r = Math.sqrt(-2 * Math.log(this.uniform()));
      const theta = 2 * Math.PI * this.uniform();
      out[i++] = mean + std * r * Math.cos(theta);
      if (i < n) out[i++] = mean + std * r * Math.sin(theta);
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
