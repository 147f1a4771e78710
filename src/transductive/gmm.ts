/**
 * The dense steps of TransCLIP (see transclip.ts): row normalization, scores against class
 * directions, row softmax, and the Gaussian mixture's mean and variance updates. Pure math, no
 * IO; float64 throughout.
 */

/**
 * Skipped in the mean and variance sums: an assignment this small moves a mean by less than
 * N · 1e-16 of its size (far below the 1e-6 the results are checked to).
 */
const NEGLIGIBLE = 1e-16;

/** L2-normalized rows as one float64 matrix (a zero row stays zero). */
export function normalizedRows(rows: readonly ArrayLike<number>[], dim: number): Float64Array {
  const out = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new RangeError(`embedding ${i} has ${r.length} values, not ${dim}`);
    let s = 0;
    for (let t = 0; t < dim; t++) s += r[t] * r[t];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) out[i * dim + t] = r[t] * inv;
  });
  return out;
}

/** out[i*k + c] = x_i · q_c + bias_c, four image rows per pass over q. */
export function scoresInto(
  x: Float64Array,
  n: number,
  q: Float64Array,
  bias: Float64Array,
  k: number,
  dim: number,
  out: Float64Array,
): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o0 = i * dim;
    const o1 = o0 + dim;
    const o2 = o1 + dim;
    const o3 = o2 + dim;
    for (let c = 0; c < k; c++) {
      const oc = c * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < dim; t++) {
        const v = q[oc + t];
        s0 += x[o0 + t] * v;
        s1 += x[o1 + t] * v;
        s2 += x[o2 + t] * v;
        s3 += x[o3 + t] * v;
      }
      out[i * k + c] = s0 + bias[c];
      out[(i + 1) * k + c] = s1 + bias[c];
      out[(i + 2) * k + c] = s2 + bias[c];
      out[(i + 3) * k + c] = s3 + bias[c];
    }
  }
  for (; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += x[i * dim + t] * q[c * dim + t];
      out[i * k + c] = s + bias[c];
    }
  }
}

/** Softmax of each row of `m` (n × k) in place. */
export function softmaxRows(m: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) softmaxRow(m, i * k, k);
}

export function softmaxRow(m: Float64Array, o: number, k: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) if (m[o + c] > max) max = m[o + c];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(m[o + c] - max);
    m[o + c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) m[o + c] /= sum;
}

/** Class means from the `top` images with the largest assignment to each class (z-weighted). */
export function confidentMeans(
  x: Float64Array,
  z: Float64Array,
  n: number,
  k: number,
  dim: number,
  top: number,
): Float64Array {
  const mu = new Float64Array(k * dim);
  const take = Math.min(top, n);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let c = 0; c < k; c++) {
    order.sort((a, b) => z[b * k + c] - z[a * k + c] || a - b);
    for (let r = 0; r < take; r++) {
      const i = order[r];
      const w = z[i * k + c];
      for (let t = 0; t < dim; t++) mu[c * dim + t] += w * x[i * dim + t];
    }
  }
  normalizeRowsInPlace(mu, k, dim);
  return mu;
}

function normalizeRowsInPlace(m: Float64Array, rows: number, dim: number): void {
  for (let c = 0; c < rows; c++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += m[c * dim + t] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) m[c * dim + t] *= inv;
  }
}

/**
 * The mean and variance updates in one pass over z: S_c = Σ_i z_ic x_i gives the new means
 * μ_c = S_c / |S_c| (the 1/Σ z of the weighted mean cancels), and the shared variance
 * Σ_i Σ_c z_ic (x_i − μ_c)² / Σ z is expanded as
 * (Σ_i (Σ_c z_ic) x_i² − 2 Σ_c μ_c S_c + Σ_c (Σ_i z_ic) μ_c²) / Σ z, per dimension,
 * so the new means need no second pass over the images.
 */
export function updateMeansAndVariance(
  x: Float64Array,
  z: Float64Array,
  n: number,
  k: number,
  dim: number,
): { mu: Float64Array; variance: Float64Array } {
  const sums = new Float64Array(k * dim);
  const colsum = new Float64Array(k);
  const squares = new Float64Array(dim);
  let mass = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    let rowsum = 0;
    for (let c = 0; c < k; c++) {
      const w = z[i * k + c];
      rowsum += w;
      colsum[c] += w;
      if (w < NEGLIGIBLE) continue;
      const oc = c * dim;
      for (let t = 0; t < dim; t++) sums[oc + t] += w * x[oi + t];
    }
    mass += rowsum;
    for (let t = 0; t < dim; t++) squares[t] += rowsum * x[oi + t] * x[oi + t];
  }
  const mu = sums.slice();
  normalizeRowsInPlace(mu, k, dim);
  const variance = squares;
  for (let c = 0; c < k; c++) {
    const oc = c * dim;
    for (let t = 0; t < dim; t++) {
      const m = mu[oc + t];
      variance[t] += colsum[c] * m * m - 2 * m * sums[oc + t];
    }
  }
  for (let t = 0; t < dim; t++) variance[t] /= mass;
  return { mu, variance };
}
