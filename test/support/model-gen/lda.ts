/**
 * Linear discriminant analysis for the probe-cluster fixture (probe-cluster.ts): pure float64
 * math, no IO. `fitLda` finds the projection onto the between-class subspace after whitening
 * the within-class scatter: P = Qᵀ L⁻¹ with S_w + εI = L Lᵀ (Cholesky) and Q an orthonormal
 * basis of the whitened, centred class means. In the projected space the within-class scatter
 * is (close to) the identity, and nearest class mean there is LDA's classifier.
 */

export interface Lda {
  /** Rows × features, row-major (rows = classes − 1, or fewer when the means are dependent). */
  projection: Float64Array;
  rows: number;
  features: number;
  /** The mean of all samples, subtracted before projecting. */
  mean: Float64Array;
}

export interface LdaOptions {
  /** Ridge added to S_w, as a fraction of its mean diagonal (default 1e-3). */
  ridge?: number;
}

/** Lower-triangular L with A = L Lᵀ (A symmetric positive definite, n × n, row-major). */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error(`matrix is not positive definite (pivot ${i}: ${s})`);
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

/** x = L⁻¹ b for lower-triangular L (forward substitution). */
function forward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/**
 * Orthonormal basis of the span of `vectors` (modified Gram–Schmidt); vectors whose remainder
 * is below `tol` of their norm are dropped.
 */
export function orthonormalBasis(vectors: Float64Array[], tol = 1e-9): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const v of vectors) {
    const u = v.slice();
    const norm0 = Math.hypot(...u);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let t = 0; t < u.length; t++) dot += u[t] * q[t];
        for (let t = 0; t < u.length; t++) u[t] -= dot * q[t];
      }
    }
    const norm = Math.hypot(...u);
    if (norm > tol * norm0 && norm > 0) basis.push(u.map((x) => x / norm));
  }
  return basis;
}

/** Fits LDA on `samples` (each of the same length) with class indices `labels` in [0, classes). */
export function fitLda(
  samples: readonly ArrayLike<number>[],
  labels: readonly number[],
  classes: number,
  opts: LdaOptions = {},
): Lda {
  if (samples.length !== labels.length) throw new Error("one label per sample");
  if (samples.length === 0) throw new Error("no samples");
  const f = samples[0].length;
  const n = samples.length;
  const mean = new Float64Array(f);
  const means = Array.from({ length: classes }, () => new Float64Array(f));
  const counts = new Array<number>(classes).fill(0);
  for (const [i, s] of samples.entries()) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new Error(`label ${c} out of range`);
    counts[c]++;
    for (let t = 0; t < f; t++) {
      means[c][t] += s[t];
      mean[t] += s[t] / n;
    }
  }
  for (const [c, m] of means.entries()) {
    if (counts[c] === 0) throw new Error(`class ${c} has no samples`);
    for (let t = 0; t < f; t++) m[t] /= counts[c];
  }
  // Within-class scatter (divided by n), upper triangle then mirrored.
  const sw = new Float64Array(f * f);
  const d = new Float64Array(f);
  for (const [i, s] of samples.entries()) {
    const m = means[labels[i]];
    for (let t = 0; t < f; t++) d[t] = s[t] - m[t];
    for (let a = 0; a < f; a++) {
      const da = d[a] / n;
      if (da === 0) continue;
      for (let b = a; b < f; b++) sw[a * f + b] += da * d[b];
    }
  }
  let trace = 0;
  for (let a = 0; a < f; a++) {
    for (let b = 0; b < a; b++) sw[a * f + b] = sw[b * f + a];
    trace += sw[a * f + a];
  }
  const ridge = ((opts.ridge ?? 1e-3) * trace) / f;
  for (let a = 0; a < f; a++) sw[a * f + a] += ridge;
  const l = cholesky(sw, f);
  const whitened = means.map((m) =>
    forward(
      l,
      f,
      m.map((x, t) => x - mean[t]),
    ),
  );
  // Centre the whitened means on their average so the basis spans their differences.
  const avg = new Float64Array(f);
  for (const w of whitened) for (let t = 0; t < f; t++) avg[t] += w[t] / classes;
  const q = orthonormalBasis(whitened.map((w) => w.map((x, t) => x - avg[t])));
  // P = Qᵀ L⁻¹: row r is L⁻ᵀ q_r (back substitution with Lᵀ).
  const projection = new Float64Array(q.length * f);
  for (const [r, qr] of q.entries()) {
    const row = new Float64Array(f);
    for (let i = f - 1; i >= 0; i--) {
      let s = qr[i];
      for (let k = i + 1; k < f; k++) s -= l[k * f + i] * row[k];
      row[i] = s / l[i * f + i];
    }
    projection.set(row, r * f);
  }
  return { projection, rows: q.length, features: f, mean };
}

/** `lda.projection · (x − mean)`. */
export function applyLda(lda: Lda, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(lda.rows);
  for (let r = 0; r < lda.rows; r++) {
    let s = 0;
    for (let t = 0; t < lda.features; t++) {
      s += lda.projection[r * lda.features + t] * (x[t] - lda.mean[t]);
    }
    out[r] = s;
  }
  return out;
}
