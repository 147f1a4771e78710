/**
 * Independent float64 versions of the adapter formulas, written in the tests from the papers'
 * official code (plain loops, Gauss–Jordan inversion), to check src/adapt against.
 */

import { seeded } from "../support/random-vectors.js";

export type Vec = ArrayLike<number>;

export const dotRef = (a: Vec, b: Vec): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

export function normalizeRef(v: Vec): number[] {
  const n = Math.sqrt(dotRef(v, v));
  return Array.from(v, (x) => x / n);
}

export function softmaxRef(z: Vec): number[] {
  const m = Math.max(...Array.from(z));
  const e = Array.from(z, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** A seeded generator of normal-ish numbers (sum of uniforms), independent of src/. */
export function randomSource(seed: number): () => number {
  const uniform = seeded(seed);
  return () => uniform() + uniform() + uniform() - 1.5;
}

/** Random L2-normalized vectors clustered around one centre per class. */
export function clusteredFeatures(
  rand: () => number,
  centres: readonly number[][],
  perClass: number,
  spread: number,
): { features: Float32Array[]; labels: number[] } {
  const features: Float32Array[] = [];
  const labels: number[] = [];
  centres.forEach((c, k) => {
    for (let i = 0; i < perClass; i++) {
      features.push(Float32Array.from(normalizeRef(c.map((x) => x + spread * rand()))));
      labels.push(k);
    }
  });
  return { features, labels };
}

export function zeroShotRef(f: Vec, W: readonly Vec[], s: number): number[] {
  return W.map((w) => s * dotRef(f, w));
}

/** Tip-Adapter: s·f·Wᵀ + α·exp(−β(1 − f·Kᵀ))·L. */
export function tipRef(
  f: Vec,
  W: readonly Vec[],
  keys: readonly Vec[],
  labels: readonly number[],
  alpha: number,
  beta: number,
  s: number,
): number[] {
  const out = zeroShotRef(f, W, s);
  keys.forEach((k, i) => {
    out[labels[i]] += alpha * Math.exp(-beta * (1 - dotRef(f, k)));
  });
  return out;
}

export function distRef(v: Vec, W: readonly Vec[], t: number): number[] {
  return softmaxRef(W.map((w) => dotRef(v, w) / t));
}

export function klRef(p: readonly number[], q: readonly number[]): number {
  return p.reduce((s, pc, c) => s + pc * (Math.log(pc) - Math.log(q[c])), 0);
}

/** TIP-X with fixed rescaling ranges. */
export function tipXRef(
  f: Vec,
  W: readonly Vec[],
  keys: readonly Vec[],
  labels: readonly number[],
  p: {
    alpha: number;
    beta: number;
    gamma: number;
    s: number;
    t: number;
    klRange: readonly [number, number];
    affRange: readonly [number, number];
  },
): number[] {
  const out = tipRef(f, W, keys, labels, p.alpha, p.beta, p.s);
  const pf = distRef(f, W, p.t);
  keys.forEach((k, i) => {
    const kl = klRef(pf, distRef(k, W, p.t));
    const scaled =
      ((kl - p.klRange[0]) / (p.klRange[1] - p.klRange[0])) * (p.affRange[1] - p.affRange[0]) +
      p.affRange[0];
    out[labels[i]] += p.gamma * -scaled;
  });
  return out;
}

/** Inverse by Gauss–Jordan elimination with partial pivoting. */
export function invertRef(m: readonly number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    const d = a[c][c];
    for (let j = 0; j < 2 * n; j++) a[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(n));
}

/** GDA's w and b from main_few_shots.py's formulas. */
export function gdaRef(
  features: readonly Vec[],
  labels: readonly number[],
  C: number,
): { w: number[][]; b: number[] } {
  const D = features[0].length;
  const N = features.length;
  const mus = Array.from({ length: C }, (_, k) => {
    const rows = features.filter((_, i) => labels[i] === k);
    return Array.from({ length: D }, (_, d) => rows.reduce((s, r) => s + r[d], 0) / rows.length);
  });
  const centred = features.map((f, i) => Array.from(f, (x, d) => x - mus[labels[i]][d]));
  const mean = Array.from({ length: D }, (_, d) => centred.reduce((s, r) => s + r[d], 0) / N);
  const S = Array.from({ length: D }, (_, a) =>
    Array.from(
      { length: D },
      (_, b) => centred.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / (N - 1),
    ),
  );
  const tr = S.reduce((s, row, i) => s + row[i], 0);
  const A = S.map((row, i) => row.map((x, j) => (N - 1) * x + (i === j ? tr : 0)));
  const P = invertRef(A).map((row) => row.map((x) => D * x));
  const w = mus.map((mu) => P.map((row) => dotRef(row, mu)));
  const b = mus.map((mu, k) => Math.log(1 / C) - dotRef(mu, w[k]) / 2);
  return { w, b };
}

export function gdaLogitsRef(
  f: Vec,
  W: readonly Vec[],
  g: { w: number[][]; b: number[] },
  alpha: number,
  s: number,
): number[] {
  return zeroShotRef(f, W, s).map((z, k) => z + alpha * (dotRef(f, g.w[k]) + g.b[k]));
}

export function argmaxRef(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export function maxAbsDiff(a: Vec, b: Vec): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
