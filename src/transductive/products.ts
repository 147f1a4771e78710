/**
 * The two dense matrix products TransCLIP's solver needs, as requests a kernel fulfils: the
 * solver (solver.ts) hands each product to a `MatrixProduct`, the plain JavaScript one below by
 * default, or a faster one injected by a higher layer (onnxruntime's float64 GEMM, see
 * src/model/ort-product.ts). Row-major float64 throughout. Pure math: no IO.
 */

/**
 * `out (m × n) = A · Bᵀ` ("ABt": A is m × k, B is n × k; scores of rows against rows) or
 * `out (m × n) = Aᵀ · B` ("AtB": A is k × m, B is k × n; z-weighted sums of rows). `out` is
 * overwritten.
 */
export interface ProductRequest {
  kind: "ABt" | "AtB";
  a: Float64Array;
  b: Float64Array;
  m: number;
  n: number;
  k: number;
  out: Float64Array;
}

/** Fulfils one product request, synchronously or not (the solver waits for it either way). */
export type MatrixProduct = (req: ProductRequest) => void | Promise<void>;

/** The plain JavaScript kernel: exact float64 sums in index order. */
export function jsProduct(req: ProductRequest): void {
  if (req.kind === "ABt") rowsTimesRows(req);
  else columnsTimesRows(req);
}

/** out[i*n + c] = a_i · b_c, four rows of A per pass over B. */
function rowsTimesRows({ a, b, m, n, k, out }: ProductRequest): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o0 = i * k;
    const o1 = o0 + k;
    const o2 = o1 + k;
    const o3 = o2 + k;
    for (let c = 0; c < n; c++) {
      const oc = c * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < k; t++) {
        const v = b[oc + t];
        s0 += a[o0 + t] * v;
        s1 += a[o1 + t] * v;
        s2 += a[o2 + t] * v;
        s3 += a[o3 + t] * v;
      }
      out[i * n + c] = s0;
      out[(i + 1) * n + c] = s1;
      out[(i + 2) * n + c] = s2;
      out[(i + 3) * n + c] = s3;
    }
  }
  for (; i < m; i++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[c * k + t];
      out[i * n + c] = s;
    }
  }
}

/** out[c*n + t] = Σ_r a[r*m + c] · b[r*n + t]: one pass over the rows, zero weights skipped. */
function columnsTimesRows({ a, b, m, n, k, out }: ProductRequest): void {
  out.fill(0, 0, m * n);
  for (let r = 0; r < k; r++) {
    const ob = r * n;
    for (let c = 0; c < m; c++) {
      const w = a[r * m + c];
      if (w === 0) continue;
      const oc = c * n;
      for (let t = 0; t < n; t++) out[oc + t] += w * b[ob + t];
    }
  }
}
