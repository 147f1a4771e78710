/**
 * Random SigLIP weights, named and shaped like the Hugging Face SiglipModel state dict (Linear
 * weights [out, in], nn.MultiheadAttention's packed `in_proj_weight` [3h, h]), generated lazily
 * per tensor from (seed, name).
 *
 * Scales follow SiglipPreTrainedModel._init_weights (xavier for attention and MLP, lecun-normal
 * for the patch conv and the text head, 1/√width for position tables) so every sub-layer
 * contributes at order 1; unlike HF, biases and layer-norm parameters get a little noise so that
 * every parameter influences the output.
 */
import { type LazyWeight, lazy } from "../weights.js";
import { patchTokens, type SiglipDims, validateSiglipDims } from "./dims.js";

const NOISE_STD = 0.02;

/** The logit scale and bias stored in onnx/model.onnx (HF: `logit_scale`, `logit_bias`, [1]). */
export interface SiglipLogitParams {
  /** log of the temperature: logits use exp(logitScale). Default ln 10. */
  logitScale: number;
  /** Added to the scaled cosine. Default -2.5. */
  logitBias: number;
}

export const DEFAULT_LOGITS: SiglipLogitParams = Object.freeze({
  logitScale: Math.log(10),
  logitBias: -2.5,
});

type Add = (name: string, dims: number[], mean: number, std: number) => void;

function constant(name: string, value: number): LazyWeight {
  return { name, dims: [1], mean: value, std: 0, values: () => new Float32Array([value]) };
}

function layerNorm(add: Add, name: string, h: number): void {
  add(`${name}.weight`, [h], 1, NOISE_STD);
  add(`${name}.bias`, [h], 0, NOISE_STD);
}

function mlp(add: Add, p: string, h: number, inter: number): void {
  const xavier = Math.sqrt(2 / (h + inter));
  add(`${p}.fc1.weight`, [inter, h], 0, xavier);
  add(`${p}.fc1.bias`, [inter], 0, NOISE_STD);
  add(`${p}.fc2.weight`, [h, inter], 0, xavier);
  add(`${p}.fc2.bias`, [h], 0, NOISE_STD);
}

function encoder(add: Add, prefix: string, h: number, inter: number, layers: number): void {
  for (let l = 0; l < layers; l++) {
    const p = `${prefix}.encoder.layers.${l}`;
    for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      add(`${p}.self_attn.${proj}.weight`, [h, h], 0, h ** -0.5);
      add(`${p}.self_attn.${proj}.bias`, [h], 0, NOISE_STD);
    }
    layerNorm(add, `${p}.layer_norm1`, h);
    mlp(add, `${p}.mlp`, h, inter);
    layerNorm(add, `${p}.layer_norm2`, h);
  }
}

export type SiglipPart = "text" | "vision" | "logits";

/** Weights of one part (a tower, or the two logit parameters), keyed by HF state-dict name. */
export function generateSiglipPartWeights(
  dims: SiglipDims,
  seed: number,
  part: SiglipPart,
  logits: SiglipLogitParams = DEFAULT_LOGITS,
): Map<string, LazyWeight> {
  validateSiglipDims(dims);
  const out = new Map<string, LazyWeight>();
  const add: Add = (name, shape, mean, std) => {
    out.set(name, lazy(seed, name, shape, mean, std));
  };
  const h = dims.hidden;
  if (part === "text") {
    add("text_model.embeddings.token_embedding.weight", [dims.vocabSize, h], 0, h ** -0.5);
    add("text_model.embeddings.position_embedding.weight", [dims.maxPositions, h], 0, h ** -0.5);
    encoder(add, "text_model", h, dims.textIntermediate, dims.textLayers);
    layerNorm(add, "text_model.final_layer_norm", h);
    add("text_model.head.weight", [h, h], 0, h ** -0.5);
    add("text_model.head.bias", [h], 0, NOISE_STD);
  } else if (part === "vision") {
    const p = dims.patchSize;
    add("vision_model.embeddings.patch_embedding.weight", [h, 3, p, p], 0, (3 * p * p) ** -0.5);
    add("vision_model.embeddings.patch_embedding.bias", [h], 0, NOISE_STD);
    add("vision_model.embeddings.position_embedding.weight", [patchTokens(dims), h], 0, h ** -0.5);
    encoder(add, "vision_model", h, dims.visionIntermediate, dims.visionLayers);
    layerNorm(add, "vision_model.post_layernorm", h);
    add("vision_model.head.probe", [1, 1, h], 0, h ** -0.5);
    add("vision_model.head.attention.in_proj_weight", [3 * h, h], 0, Math.sqrt(2 / (4 * h)));
    add("vision_model.head.attention.in_proj_bias", [3 * h], 0, NOISE_STD);
    add("vision_model.head.attention.out_proj.weight", [h, h], 0, h ** -0.5);
    add("vision_model.head.attention.out_proj.bias", [h], 0, NOISE_STD);
    layerNorm(add, "vision_model.head.layernorm", h);
    mlp(add, "vision_model.head.mlp", h, dims.visionIntermediate);
  } else {
    out.set("logit_scale", constant("logit_scale", logits.logitScale));
    out.set("logit_bias", constant("logit_bias", logits.logitBias));
  }
  return out;
}

/** All SigLIP weights (both towers and the logit parameters), keyed by HF state-dict name. */
export function generateSiglipWeights(
  dims: SiglipDims,
  seed: number,
  logits: SiglipLogitParams = DEFAULT_LOGITS,
): Map<string, LazyWeight> {
  return new Map([
    ...generateSiglipPartWeights(dims, seed, "text"),
    ...generateSiglipPartWeights(dims, seed, "vision"),
    ...generateSiglipPartWeights(dims, seed, "logits", logits),
  ]);
}
