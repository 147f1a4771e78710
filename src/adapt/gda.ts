/**
 * GDA, Gaussian discriminant analysis on CLIP features ("A Hard-to-Beat Baseline for
 * Training-free CLIP-based Adaptation", mrflogs/ICLR24 `main_few_shots.py`), as the official
 * code computes it:
 *
 *   μ_k   class means of the support features (every augmented view is a sample)
 *   S     sample covariance (N − 1 denominator, `torch.cov`) of the class-centred features
 *   P     D · pinv((N − 1)·S + tr(S)·I)        N = number of feature vectors, D = dimension
 *   w_k   P·μ_k,   b_k = log(1/C) − ½ μ_kᵀ·P·μ_k
 *   logits = s·f·Wᵀ + α·(f·wᵀ + b)
 *
 * The matrix (N − 1)·S + tr(S)·I is symmetric positive definite whenever S ≠ 0 (S is positive
 * semi-definite and tr(S) > 0 lifts every eigenvalue), so its pseudo-inverse is its inverse and
 * a Cholesky solve (ml-matrix, float64) gives it exactly; when S = 0 (e.g. one sample per class)
 * the matrix is 0, whose pseudo-inverse is 0, and GDA adds only the constant log(1/C).
 *
 * Pure: no IO. Everything is computed in float64.
 */
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { zeroShotRow } from "./tip.js";

/** The fitted linear classifier: one weight row and one bias per class. */
export interface GdaModel {
  /** w_k = P·μ_k, one row of D values per class. */
  weights: Float64Array[];
  /** b_k = log(1/C) − ½ μ_kᵀ·P·μ_k. */
  bias: Float64Array;
}

export interface GdaParams {
  alpha: number;
  logitScale: number;
}

/** Class means, in class order; every class needs at least one feature. */
export function classMeans(
  features: readonly ArrayLike<number>[],
  labels: readonly number[],
  numClasses: number,
): Float64Array[] {
  const dim = features[0]?.length ?? 0;
  const sums = Array.from({ length: numClasses }, () => new Float64Array(dim));
  const counts = new Array<number>(numClasses).fill(0);
  features.forEach((f, i) => {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new RangeError(`label ${c} out of range 0..${numClasses - 1}`);
    }
    if (f.length !== dim) throw new RangeError(`feature ${i} has ${f.length} values, not ${dim}`);
    counts[c]++;
    const s = sums[c];
    for (let d = 0; d < dim; d++) s[d] += f[d];
  });
  const empty = counts.indexOf(0);
  if (empty >= 0) throw new RangeError(`class ${empty} has no support features`);
  return sums.map((s, c) => s.map((v) => v / counts[c]));
}

/**
 * The sample covariance (N − 1 denominator) of the class-centred features, as
 * `center_vecs.T.cov()`: torch.cov subtracts the mean of its input (zero up to rounding) too.
 * Returned as a D × D row-major Float64Array.
 */
export function centredCovariance(
  features: readonly ArrayLike<number>[],
  labels: readonly number[],
  means: readonly Float64Array[],
): Float64Array {
  const n = features.length;
  const dim = means[0].length;
  if (n < 2) throw new RangeError(`GDA needs at least 2 support features, got ${n}`);
  const centred = features.map((f, i) => {
    const m = means[labels[i]];
    const v = new Float64Array(dim);
    for (let d = 0; d < dim; d++) v[d] = f[d] - m[d];
    return v;
  });
  const mean = new Float64Array(dim);
  for (const v of centred) for (let d = 0; d < dim; d++) mean[d] += v[d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  for (const v of centred) for (let d = 0; d < dim; d++) v[d] -= mean[d];
  const cov = new Float64Array(dim * dim);
  for (const v of centred) {
    for (let a = 0; a < dim; a++) {
      const va = v[a];
      if (va === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b] += va * v[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const x = cov[a * dim + b] / (n - 1);
      cov[a * dim + b] = x;
      cov[b * dim + a] = x;
    }
  }
  return cov;
}

/** Fit GDA's weights and biases to labelled support features. */
export function gdaFit(
  features: readonly ArrayLike<number>[],
  labels: readonly number[],
  numClasses: number,
): GdaModel {
  if (features.length !== labels.length) {
    throw new RangeError(`${features.length} features but ${labels.length} labels`);
  }
  const means = classMeans(features, labels, numClasses);
  const dim = means[0].length;
  const n = features.length;
  const cov = centredCovariance(features, labels, means);
  let trace = 0;
  for (let d = 0; d < dim; d++) trace += cov[d * dim + d];
  const logPrior = Math.log(1 / numClasses);
  if (!(trace > 0)) {
    // S = 0: pinv(0) = 0, so P = 0, w = 0 and b = log(1/C).
    return {
      weights: means.map(() => new Float64Array(dim)),
      bias: new Float64Array(numClasses).fill(logPrior),
    };
  }
  const a = new Matrix(dim, dim);
  for (let r = 0; r < dim; r++) {
    for (let c = 0; c < dim; c++) {
      a.set(r, c, (n - 1) * cov[r * dim + c] + (r === c ? trace : 0));
    }
  }
  const rhs = new Matrix(dim, numClasses);
  means.forEach((m, k) => {
    for (let d = 0; d < dim; d++) rhs.set(d, k, m[d]);
  });
  const chol = new CholeskyDecomposition(a);
  if (!chol.isPositiveDefinite()) {
    throw new RangeError(
      "GDA: (N - 1)·S + tr(S)·I is not positive definite (non-finite features?)",
    );
  }
  const x = chol.solve(rhs);
  const weights = means.map((_, k) => {
    const w = new Float64Array(dim);
    for (let d = 0; d < dim; d++) w[d] = dim * x.get(d, k);
    return w;
  });
  const bias = new Float64Array(numClasses);
  means.forEach((m, k) => {
    let q = 0;
    for (let d = 0; d < dim; d++) q += m[d] * weights[k][d];
    bias[k] = logPrior - q / 2;
  });
  return { weights, bias };
}

/** f·w_k + b_k for every class. */
export function gdaScores(f: ArrayLike<number>, model: GdaModel): Float64Array {
  const out = new Float64Array(model.weights.length);
  for (let k = 0; k < out.length; k++) {
    const w = model.weights[k];
    if (w.length !== f.length)
      throw new RangeError(`feature has ${f.length} values, not ${w.length}`);
    let s = 0;
    for (let d = 0; d < f.length; d++) s += f[d] * w[d];
    out[k] = s + model.bias[k];
  }
  return out;
}

/** GDA logits of every feature: s·f·Wᵀ + α·(f·wᵀ + b). */
export function gdaLogits(
  features: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  model: GdaModel,
  params: GdaParams,
): Float64Array[] {
  return features.map((f) => {
    const z = zeroShotRow(f, classEmbeddings, params.logitScale);
    const g = gdaScores(f, model);
    for (let c = 0; c < z.length; c++) z[c] += params.alpha * g[c];
    return z;
  });
}
