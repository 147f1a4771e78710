/** Helpers for the SigLIP generator tests: fixtures, weights read back from ONNX, runs. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ort from "onnxruntime-node";
import {
  ensureSiglipFixture,
  SIGLIP_TINY,
  SIGLIP2_TINY,
  type SiglipDims,
  type SiglipFamily,
} from "../support/model-gen/siglip/index.js";
import { floatValues, readOnnx } from "./onnx-reader.js";
import { SiglipReference, type WeightLookup } from "./siglip-reference.js";

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

/**
 * The float64 reference for any SigLIP model directory with an onnx/model.onnx (a generated
 * fixture or a real fp32 export): sizes from config.json (SiglipConfig defaults for what it
 * omits), weights from model.onnx's initializers. For parity tests of the engine:
 * `ref.text(ids).pooled`, `ref.vision(pixels).pooled`, `sigmoid(ref.logit(t, i))`.
 */
export async function loadSiglipReference(dir: string): Promise<SiglipReference> {
  const cfg = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
  const t = cfg.text_config ?? {};
  const v = cfg.vision_config ?? {};
  const dims: SiglipDims = {
    hidden: t.hidden_size ?? 768,
    textHeads: t.num_attention_heads ?? 12,
    textLayers: t.num_hidden_layers ?? 12,
    textIntermediate: t.intermediate_size ?? 3072,
    vocabSize: t.vocab_size ?? 32000,
    maxPositions: t.max_position_embeddings ?? 64,
    visionHeads: v.num_attention_heads ?? 12,
    visionLayers: v.num_hidden_layers ?? 12,
    visionIntermediate: v.intermediate_size ?? 3072,
    imageSize: v.image_size ?? 224,
    patchSize: v.patch_size ?? 16,
  };
  if ((v.hidden_size ?? 768) !== dims.hidden) throw new Error("text and vision widths differ");
  return new SiglipReference(dims, onnxWeights(join(dir, "onnx", "model.onnx")));
}
