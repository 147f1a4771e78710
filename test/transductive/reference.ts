/**
 * A float64 reference of TransCLIP's zero-shot solver, written from the paper's equations and
 * the authors' TransCLIP_solver (TransCLIP.py + TransCLIP_utils.py), sharing nothing with
 * src/transductive: dense N × N affinity, the full (x − μ)² log-likelihood, ŷ^λ · exp(·) as
 * written, the authors' kNN rule (top k+1 of each affinity row, the first dropped), naive loops.
 */

export interface ReferenceParams {
  lambda: number;
  maxIter: number;
  zIter: number;
  nNeighbors: number;
  nConfident: number;
  temperature: number;
  logitScale: number;
  initialPredictions?: number[][];
}

export const PAPER: ReferenceParams = {
  lambda: 1,
  maxIter: 10,
  zIter: 5,
  nNeighbors: 3,
  nConfident: 8,
  temperature: 50,
  logitScale: 100,
};

const unit = (v: ArrayLike<number>): number[] => {
  const a = Array.from(v);
  const n = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  return a.map((x) => x / n);
};
const dotp = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const rowSoftmax = (r: number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** Indices sorted by value, largest first, ties lower index first (torch.topk's usual order). */
const argsortDesc = (v: number[]) => v.map((_, i) => i).sort((a, b) => v[b] - v[a] || a - b);

export function referenceTransclip(
  images: readonly ArrayLike<number>[],
  classes: readonly ArrayLike<number>[],
  p: ReferenceParams = PAPER,
): { z: number[][]; predictions: number[] } {
  const X = images.map(unit);
  const Tc = classes.map(unit);
  const N = X.length;
  const K = Tc.length;
  const d = X[0].length;

  // y_hat = softmax(100 X T) (or the given predictions); z starts as y_hat.
  const yHat = p.initialPredictions
    ? p.initialPredictions.map((r) => r.slice())
    : X.map((x) => rowSoftmax(Tc.map((t) => p.logitScale * dotp(x, t))));
  let z = yHat.map((r) => r.slice());

  // init_mu: mean of z-weighted features of the nConfident most confident images, normalized.
  let mu = Tc.map((_, c) => {
    const top = argsortDesc(z.map((r) => r[c])).slice(0, p.nConfident);
    const m = new Array(d).fill(0);
    for (const i of top) for (let t = 0; t < d; t++) m[t] += (z[i][c] * X[i][t]) / top.length;
    return unit(m);
  });
  // init_sigma: diagonal 1/d.
  let std = new Array(d).fill(1 / d);

  // build_affinity_matrix: dense X Xᵀ, top nNeighbors+1 per row, the first (self) dropped.
  const W: number[][] = X.map(() => new Array(N).fill(0));
  for (let i = 0; i < N; i++) {
    const aff = X.map((xj) => dotp(X[i], xj));
    for (const j of argsortDesc(aff).slice(1, p.nNeighbors + 1)) W[i][j] = aff[j];
  }

  for (let k = 0; k <= p.maxIter; k++) {
    // Gaussian(no_exp=True): -1/2 Σ (x − μ)² / std.
    const gmm = X.map((x) =>
      mu.map((m) => -0.5 * x.reduce((s, v, t) => s + (v - m[t]) ** 2 / std[t], 0)),
    );
    // update_z: 5 sweeps, each from the previous z.
    for (let it = 0; it < p.zIter; it++) {
      const zOld = z;
      z = X.map((_, i) => {
        const inter = gmm[i].map((g, c) => {
          let lap = 0;
          for (let j = 0; j < N; j++) lap += W[j][i] * zOld[j][c] + W[i][j] * zOld[j][c];
          return g + (p.temperature / (p.nNeighbors * 2)) * lap;
        });
        const mx = Math.max(...inter);
        const v = inter.map((a, c) => yHat[i][c] ** p.lambda * Math.exp((a - mx) / p.temperature));
        const s = v.reduce((a, b) => a + b, 0);
        return v.map((a) => a / s);
      });
    }
    if (k === p.maxIter) break;
    // update_mu: (1/N) Σ z x / ((1/N) Σ z), normalized.
    mu = Tc.map((_, c) => {
      const m = new Array(d).fill(0);
      let w = 0;
      for (let i = 0; i < N; i++) {
        w += z[i][c] / N;
        for (let t = 0; t < d; t++) m[t] += (z[i][c] * X[i][t]) / N;
      }
      return unit(m.map((v) => v / w));
    });
    // update_sigma: (1/N) Σ_i Σ_c z_ic (x_i − μ_c)² / ((1/N) Σ z), with the new μ.
    const s = new Array(d).fill(0);
    let mass = 0;
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < K; c++) {
        mass += z[i][c] / N;
        for (let t = 0; t < d; t++) s[t] += (z[i][c] * (X[i][t] - mu[c][t]) ** 2) / N;
      }
    }
    std = s.map((v) => v / mass);
  }
  const predictions = z.map((r) => argsortDesc(r)[0]);
  return { z, predictions };
}
