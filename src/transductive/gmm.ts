/**
 * The dense steps of TransCLIP (see solver.ts) that are not matrix products: row
 * normalization, row softmax, the class means' initialisation from the most confident images,
 * and the Gaussian mixture's mean and variance updates from the z-weighted sums Zᵀ X. Pure
 * math, no IO; float64 throughout.
 */
import { expNonPositive } from "./fast-exp.js";

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

/** Softmax of each row of `m` (n × k) in place. */
export function softmaxRows(m: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) softmaxRow(m, i * k, k);
}

/** Softmax of the k values of `m` from offset `o`, in place. */
export function softmaxRow(m: Float64Array, o: number, k: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = o; c < o + k; c++) if (m[c] > max) max = m[c];
  let sum = 0;
  for (let c = o; c < o + k; c++) {
    const e = expNonPositive(m[c] - max);
    m[c] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = o; c < o + k; c++) m[c] *= inv;
}

/**
 * Class means from the `top` images with the largest assignment to each class (z-weighted,
 * L2-normalized; ties: the lower image index). One pass over z keeps, per class, its `top`
 * best images sorted, so the cost is N·K comparisons, not K sorts of N.
 */
export function confidentMeans(
  x: Float64Array,
  z: Float64Array,
  n: number,
  k: number,
  dim: number,
  top: number,
): Float64Array {
  const take = Math.min(top, n);
  const best = new Int32Array(k * take).fill(-1);
  const score = new Float64Array(k * take).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const v = z[i * k + c];
      const base = c * take;
      if (best[base + take - 1] >= 0 && !(v > score[base + take - 1])) continue;
      let p = base + take - 1;
      while (p > base && (best[p - 1] < 0 || v > score[p - 1])) {
        best[p] = best[p - 1];
        score[p] = score[p - 1];
        p--;
      }
      best[p] = i;
      score[p] = v;
    }
  }
  const mu = new Float64Array(k * dim);
  for (let e = 0; e < k * take; e++) {
    const c = Math.floor(e / take);
    const i = best[e];
    const w = score[e];
    for (let t = 0; t < dim; t++) mu[c * dim + t] += w * x[i * dim + t];
  }
  normalizeRowsInPlace(mu, k, dim);
  return mu;
}

export function normalizeRowsInPlace(m: Float64Array, rows: number, dim: number): void {
  for (let c = 0; c < rows; c++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += m[c * dim + t] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) m[c * dim + t] *= inv;
  }
}

/** The sums of z the variance update needs besides Zᵀ X. */
export interface AssignmentTotals {
  /** Σ_i z_ic per class. */
  colsum: Float64Array;
  /** Σ_i (Σ_c z_ic) x_i² per dimension. */
  squares: Float64Array;
  /** Σ_i Σ_c z_ic. */
  mass: number;
}

/** One pass over z's rows and x: the totals of `AssignmentTotals`. */
export function assignmentTotals(
  x: Float64Array,
  z: Float64Array,
  n: number,
  k: number,
  dim: number,
): AssignmentTotals {
  const colsum = new Float64Array(k);
  const squares = new Float64Array(dim);
  let mass = 0;
  for (let i = 0; i < n; i++) {
    let rowsum = 0;
    for (let c = 0; c < k; c++) {
      const w = z[i * k + c];
      rowsum += w;
      colsum[c] += w;
    }
    mass += rowsum;
    const oi = i * dim;
    for (let t = 0; t < dim; t++) squares[t] += rowsum * x[oi + t] * x[oi + t];
  }
  return { colsum, squares, mass };
}

/**
 * The mean and variance updates from S = Zᵀ X (K × d, S_c = Σ_i z_ic x_i): the new means are
 * μ_c = S_c / |S_c| (the 1/Σ z of the weighted mean cancels), and the shared variance
 * Σ_i Σ_c z_ic (x_i − μ_c)² / Σ z is expanded per dimension as
 * (Σ_i (Σ_c z_ic) x_i² − 2 Σ_c μ_c S_c + Σ_c (Σ_i z_ic) μ_c²) / Σ z,
 * so neither needs another pass over the N × K assignments.
 */
export function meansAndVariance(
  sums: Float64Array,
  totals: AssignmentTotals,
  k: number,
  dim: number,
): { mu: Float64Array; variance: Float64Array } {
  const mu = sums.slice();
  normalizeRowsInPlace(mu, k, dim);
  const variance = totals.squares.slice();
  for (let c = 0; c < k; c++) {
    const oc = c * dim;
    for (let t = 0; t < dim; t++) {
      const m = mu[oc + t];
      variance[t] += totals.colsum[c] * m * m - 2 * m * sums[oc + t];
    }
  }
  for (let t = 0; t < dim; t++) variance[t] /= totals.mass;
  return { mu, variance };
}
