/** Helpers for the SigLIP generator tests: fixtures, weights read back from ONNX, runs. */
import ort from "onnxruntime-node";
import {
  ensureSiglipFixture,
  SIGLIP_TINY,
  SIGLIP2_TINY,
  type SiglipDims,
  type SiglipFamily,
} from "../support/model-gen/siglip/index.js";
import { floatValues, readOnnx } from "./onnx-reader.js";
import type { WeightLookup } from "./siglip-reference.js";

export interface TinyFixture {
  family: SiglipFamily;
  dir: string;
  dims: SiglipDims;
}

export async function tinyFixture(family: SiglipFamily, seed = 0): Promise<TinyFixture> {
  const name = family === "siglip" ? "siglip-tiny" : "siglip2-tiny";
  const dir = await ensureSiglipFixture(name, { seed, dtypes: ["fp32", "q8"] });
  return { family, dir, dims: family === "siglip" ? SIGLIP_TINY : SIGLIP2_TINY };
}

/**
 * HF-named float64 weights read from an ONNX file's initializers: `name`, or `name.T` (a
 * Linear weight stored transposed for MatMul) transposed back to [out, in].
 */
export function onnxWeights(path: string): WeightLookup {
  const inits = readOnnx(path).initializers;
  const cache = new Map<string, Float64Array>();
  return (name) => {
    const hit = cache.get(name);
    if (hit) return hit;
    let w: Float64Array;
    const t = inits.get(name);
    const tt = inits.get(`${name}.T`);
    if (t) w = floatValues(t);
    else if (tt && tt.dims.length === 2) {
      const [rows, cols] = tt.dims; // [in, out]
      const src = floatValues(tt);
      w = new Float64Array(src.length);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) w[c * rows + r] = src[r * cols + c];
    } else throw new Error(`no initializer ${name} in ${path}`);
    cache.set(name, w);
    return w;
  };
}

export function session(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { graphOptimizationLevel: "all" });
}

export function idsTensor(rows: number[][]): ort.Tensor {
  const flat = BigInt64Array.from(rows.flat().map((x) => BigInt(x)));
  return new ort.Tensor("int64", flat, [rows.length, rows[0].length]);
}

export function pixelsTensor(pixels: Float32Array, batch: number, size: number): ort.Tensor {
  return new ort.Tensor("float32", pixels, [batch, 3, size, size]);
}

/** Rows of a [n, m] float output. */
export function rows(t: ort.Tensor): Float32Array[] {
  const [n, m] = t.dims as number[];
  const data = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => data.subarray(i * m, (i + 1) * m));
}
