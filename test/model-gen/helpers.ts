/** Shared helpers for the model generator tests. */
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { type ClipDims, generateClipWeights } from "../support/model-gen/index.js";
import type { WeightLookup } from "./reference.js";

/** A temporary directory removed when the process exits. */
export async function tempDir(prefix = "zeroclip-model-gen-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function session(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { graphOptimizationLevel: "all" });
}

export interface TextOut {
  embeds: Float32Array;
  lastHidden: Float32Array;
  dims: { embeds: readonly number[]; lastHidden: readonly number[] };
}

/** Runs a text model on rows of equal length. */
export async function runText(s: ort.InferenceSession, rows: number[][]): Promise<TextOut> {
  const flat = BigInt64Array.from(rows.flat().map((x) => BigInt(x)));
  const out = await s.run({
    input_ids: new ort.Tensor("int64", flat, [rows.length, rows[0].length]),
  });
  return {
    embeds: out.text_embeds.data as Float32Array,
    lastHidden: out.last_hidden_state.data as Float32Array,
    dims: { embeds: out.text_embeds.dims, lastHidden: out.last_hidden_state.dims },
  };
}

export interface VisionOut {
  embeds: Float32Array;
  lastHidden: Float32Array;
  dims: { embeds: readonly number[]; lastHidden: readonly number[] };
}

/** Runs a vision model on `batch` images packed in `pixels` ([batch, 3, size, size]). */
export async function runVision(
  s: ort.InferenceSession,
  pixels: Float32Array,
  batch: number,
  size: number,
): Promise<VisionOut> {
  const out = await s.run({
    pixel_values: new ort.Tensor("float32", pixels, [batch, 3, size, size]),
  });
  return {
    embeds: out.image_embeds.data as Float32Array,
    lastHidden: out.last_hidden_state.data as Float32Array,
    dims: { embeds: out.image_embeds.dims, lastHidden: out.last_hidden_state.dims },
  };
}

/** Deterministic pseudo-random numbers in [-2, 2) (a simple LCG, independent of the generator). */
export function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

/** The generator's weights as float64, by HF name (cached). */
export function generatedWeights(dims: ClipDims, seed: number): WeightLookup {
  const lazy = generateClipWeights(dims, seed);
  const cache = new Map<string, Float64Array>();
  return (name) => {
    let w = cache.get(name);
    if (!w) {
      const src = lazy.get(name);
      if (!src) throw new Error(`no weight ${name}`);
      w = Float64Array.from(src.values());
      cache.set(name, w);
    }
    return w;
  };
}

export function slice(a: Float32Array, index: number, size: number): Float32Array {
  return a.subarray(index * size, (index + 1) * size);
}
