/**
 * The three ONNX files of a SigLIP export, named and shaped as the Transformers.js
 * (Xenova / onnx-community) exports are (optimum's SiglipOnnxConfig for the joint model,
 * transformers.js' scripts/extra/siglip.py for the split towers):
 *
 *   onnx/text_model.onnx    input_ids int64 [batch_size, sequence_length]
 *                           → last_hidden_state [batch_size, sequence_length, h],
 *                             pooler_output [batch_size, h]
 *   onnx/vision_model.onnx  pixel_values float32 [batch_size, num_channels, height, width]
 *                           → last_hidden_state [batch_size, patches, h], pooler_output [batch_size, h]
 *   onnx/model.onnx         input_ids [text_batch_size, sequence_length],
 *                           pixel_values [image_batch_size, num_channels, height, width]
 *                           → logits_per_image [image_batch_size, text_batch_size],
 *                             logits_per_text [text_batch_size, image_batch_size],
 *                             text_embeds, image_embeds (L2-normalised), with initializers
 *                             `logit_scale` and `logit_bias` ([1] each):
 *                             logits_per_text = exp(logit_scale) · t̂·îᵀ + logit_bias.
 */
import { GraphBuilder } from "../builder.js";
import { GENERATOR_VERSION } from "../model.js";
import { checkTopology, DataType, modelMsg, type OnnxGraph, type ValueInfo } from "../onnx.js";
import { writeMsg } from "../proto.js";
import { quantizeDynamic } from "../quantize.js";
import type { LazyWeight } from "../weights.js";
import { patchTokens, type SiglipDims, type SiglipFamily } from "./dims.js";
import { addTextTower } from "./text-tower.js";
import { addVisionTower } from "./vision-tower.js";
import { generateSiglipPartWeights, type SiglipLogitParams } from "./weights.js";

export type SiglipGraphKind = "text" | "vision" | "joint";
export type SiglipDtype = "fp32" | "q8";

const FLOAT = DataType.FLOAT;
const INT64 = DataType.INT64;

/** onnx/<kind>[_quantized].onnx, the Transformers.js names. */
export function siglipOnnxFileName(kind: SiglipGraphKind, dtype: SiglipDtype): string {
  const base = kind === "joint" ? "model" : `${kind}_model`;
  return `${base}${dtype === "q8" ? "_quantized" : ""}.onnx`;
}

function pixelsInput(batch: string): ValueInfo {
  return {
    name: "pixel_values",
    elemType: FLOAT,
    shape: [batch, "num_channels", "height", "width"],
  };
}

function weightsFor(
  kind: SiglipGraphKind,
  dims: SiglipDims,
  seed: number,
  logits?: SiglipLogitParams,
): Map<string, LazyWeight> {
  if (kind === "text") return generateSiglipPartWeights(dims, seed, "text");
  if (kind === "vision") return generateSiglipPartWeights(dims, seed, "vision");
  return new Map([
    ...generateSiglipPartWeights(dims, seed, "text"),
    ...generateSiglipPartWeights(dims, seed, "vision"),
    ...generateSiglipPartWeights(dims, seed, "logits", logits),
  ]);
}

/** L2-normalises the rows of [n, h] (x / ‖x‖, as `x / x.norm(p=2, dim=-1, keepdim=True)`). */
function normalise(b: GraphBuilder, x: string): string {
  const norm = b.op("ReduceL2", [x], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  return b.op("Div", [x, norm]);
}

export function buildSiglipGraph(
  kind: SiglipGraphKind,
  dims: SiglipDims,
  seed: number,
  logits?: SiglipLogitParams,
): OnnxGraph {
  const b = new GraphBuilder(FLOAT, weightsFor(kind, dims, seed, logits));
  const h = dims.hidden;
  const n = patchTokens(dims);
  if (kind === "text") {
    const t = addTextTower(b, dims, "input_ids");
    b.output(t.lastHidden, "last_hidden_state");
    b.output(t.pooled, "pooler_output");
    return b.graph(
      "text_model",
      [{ name: "input_ids", elemType: INT64, shape: ["batch_size", "sequence_length"] }],
      [
        {
          name: "last_hidden_state",
          elemType: FLOAT,
          shape: ["batch_size", "sequence_length", h],
        },
        { name: "pooler_output", elemType: FLOAT, shape: ["batch_size", h] },
      ],
    );
  }
  if (kind === "vision") {
    const v = addVisionTower(b, dims, "pixel_values");
    b.output(v.lastHidden, "last_hidden_state");
    b.output(v.pooled, "pooler_output");
    return b.graph(
      "vision_model",
      [pixelsInput("batch_size")],
      [
        { name: "last_hidden_state", elemType: FLOAT, shape: ["batch_size", n, h] },
        { name: "pooler_output", elemType: FLOAT, shape: ["batch_size", h] },
      ],
    );
  }
  const v = addVisionTower(b, dims, "pixel_values");
  const t = addTextTower(b, dims, "input_ids");
  const imageEmbeds = normalise(b, v.pooled);
  const textEmbeds = normalise(b, t.pooled);
  const cos = b.op("MatMul", [
    textEmbeds,
    b.op("Transpose", [imageEmbeds], { perm: { ints: [1, 0] } }),
  ]);
  const scale = b.op("Exp", [b.weight("logit_scale")]);
  const logitsPerText = b.op("Add", [b.op("Mul", [cos, scale]), b.weight("logit_bias")]);
  const logitsPerImage = b.op("Transpose", [logitsPerText], { perm: { ints: [1, 0] } });
  b.output(logitsPerImage, "logits_per_image");
  b.output(logitsPerText, "logits_per_text");
  b.output(textEmbeds, "text_embeds");
  b.output(imageEmbeds, "image_embeds");
  return b.graph(
    "model",
    [
      { name: "input_ids", elemType: INT64, shape: ["text_batch_size", "sequence_length"] },
      pixelsInput("image_batch_size"),
    ],
    [
      {
        name: "logits_per_image",
        elemType: FLOAT,
        shape: ["image_batch_size", "text_batch_size"],
      },
      { name: "logits_per_text", elemType: FLOAT, shape: ["text_batch_size", "image_batch_size"] },
      { name: "text_embeds", elemType: FLOAT, shape: ["text_batch_size", h] },
      { name: "image_embeds", elemType: FLOAT, shape: ["image_batch_size", h] },
    ],
  );
}

/** Writes one SigLIP ONNX file; returns its size in bytes. */
export async function writeSiglipModel(
  path: string,
  family: SiglipFamily,
  kind: SiglipGraphKind,
  dims: SiglipDims,
  seed: number,
  dtype: SiglipDtype,
  logits?: SiglipLogitParams,
): Promise<number> {
  let graph = buildSiglipGraph(kind, dims, seed, logits);
  if (dtype === "q8") graph = quantizeDynamic(graph);
  checkTopology(graph);
  const what = kind === "joint" ? "joint model" : `${kind} tower`;
  const msg = modelMsg(graph, {
    producerName: "zeroclip-model-gen",
    producerVersion: GENERATOR_VERSION,
    docString: `Random-weight ${family} ${what} (seed ${seed}, ${dtype}); not a trained model.`,
    metadata: { seed: String(seed), dtype, family, dims: JSON.stringify(dims) },
  });
  return writeMsg(path, msg);
}
