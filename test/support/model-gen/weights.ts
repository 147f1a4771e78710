/**
 * Random CLIP weights, named and shaped like the Hugging Face CLIPModel state dict
 * (Linear weights are [out, in]). Values are generated lazily, per tensor, from (seed, name).
 *
 * Initialisation follows CLIPPreTrainedModel._init_weights (initializer_factor 1), so every
 * sub-layer contributes at order 1 and outputs are far from degenerate. Unlike HF, biases and
 * layer-norm parameters get a little noise so that every parameter influences the output.
 */
import { type ClipDims, validateDims, visionTokens } from "./dims.js";
import { Rng } from "./random.js";

export interface LazyWeight {
  name: string;
  /** Shape in the HF state dict. */
  dims: number[];
  mean: number;
  std: number;
  /** Generates the values (a fresh array each call; nothing is cached). */
  values(): Float32Array;
}

export type Tower = "text" | "vision";

const NOISE_STD = 0.02;

/** A weight drawn on demand from its own (seed, name) stream. */
export function lazy(
  seed: number,
  name: string,
  dims: number[],
  mean: number,
  std: number,
): LazyWeight {
  return {
    name,
    dims,
    mean,
    std,
    values: () => {
      const n = dims.reduce((a, b) => a * b, 1);
      return new Rng(seed, name).fillNormal(new Float32Array(n), mean, std);
    },
  };
}

function encoderWeights(
  add: (name: string, dims: number[], mean: number, std: number) => void,
  prefix: string,
  hidden: number,
  intermediate: number,
  layers: number,
): void {
  const inProjStd = hidden ** -0.5 * (2 * layers) ** -0.5;
  const outProjStd = hidden ** -0.5;
  const fcStd = (2 * hidden) ** -0.5;
  for (let l = 0; l < layers; l++) {
    const p = `${prefix}.encoder.layers.${l}`;
    for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      const std = proj === "out_proj" ? outProjStd : inProjStd;
      add(`${p}.self_attn.${proj}.weight`, [hidden, hidden], 0, std);
      add(`${p}.self_attn.${proj}.bias`, [hidden], 0, NOISE_STD);
    }
    add(`${p}.layer_norm1.weight`, [hidden], 1, NOISE_STD);
    add(`${p}.layer_norm1.bias`, [hidden], 0, NOISE_STD);
    add(`${p}.mlp.fc1.weight`, [intermediate, hidden], 0, fcStd);
    add(`${p}.mlp.fc1.bias`, [intermediate], 0, NOISE_STD);
    add(`${p}.mlp.fc2.weight`, [hidden, intermediate], 0, inProjStd);
    add(`${p}.mlp.fc2.bias`, [hidden], 0, NOISE_STD);
    add(`${p}.layer_norm2.weight`, [hidden], 1, NOISE_STD);
    add(`${p}.layer_norm2.bias`, [hidden], 0, NOISE_STD);
  }
}

function layerNorm(
  add: (n: string, d: number[], m: number, s: number) => void,
  name: string,
  h: number,
) {
  add(`${name}.weight`, [h], 1, NOISE_STD);
  add(`${name}.bias`, [h], 0, NOISE_STD);
}

/** Weights of one tower (including its projection), keyed by HF state-dict name. */
export function generateTowerWeights(
  dims: ClipDims,
  seed: number,
  tower: Tower,
): Map<string, LazyWeight> {
  validateDims(dims);
  const out = new Map<string, LazyWeight>();
  const add = (name: string, shape: number[], mean: number, std: number) => {
    out.set(name, lazy(seed, name, shape, mean, std));
  };
  if (tower === "text") {
    const h = dims.textHidden;
    add("text_model.embeddings.token_embedding.weight", [dims.vocabSize, h], 0, 0.02);
    add("text_model.embeddings.position_embedding.weight", [dims.maxPositions, h], 0, 0.02);
    encoderWeights(add, "text_model", h, dims.textIntermediate, dims.textLayers);
    layerNorm(add, "text_model.final_layer_norm", h);
    add("text_projection.weight", [dims.projectionDim, h], 0, h ** -0.5);
  } else {
    const h = dims.visionHidden;
    const p = dims.patchSize;
    add("vision_model.embeddings.class_embedding", [h], 0, h ** -0.5);
    add("vision_model.embeddings.patch_embedding.weight", [h, 3, p, p], 0, 0.02);
    add("vision_model.embeddings.position_embedding.weight", [visionTokens(dims), h], 0, 0.02);
    layerNorm(add, "vision_model.pre_layrnorm", h);
    encoderWeights(add, "vision_model", h, dims.visionIntermediate, dims.visionLayers);
    layerNorm(add, "vision_model.post_layernorm", h);
    add("visual_projection.weight", [dims.projectionDim, h], 0, h ** -0.5);
  }
  return out;
}

/** All CLIP weights (text and vision towers), keyed by HF state-dict name. */
export function generateClipWeights(dims: ClipDims, seed: number): Map<string, LazyWeight> {
  return new Map([
    ...generateTowerWeights(dims, seed, "text"),
    ...generateTowerWeights(dims, seed, "vision"),
  ]);
}
