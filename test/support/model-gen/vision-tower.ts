/**
 * CLIPVisionModelWithProjection as ONNX: input `pixel_values` float32 [batch_size, 3, S, S];
 * outputs `image_embeds` [batch_size, projection_dim] (projected, not normalised) and
 * `last_hidden_state` [batch_size, patches + 1, hidden] (encoder output, before post_layernorm).
 * With `halfIo` (fp16 graphs only) the input and outputs are float16, as in real fp16 exports.
 */
import { type FloatType, GraphBuilder } from "./builder.js";
import { type ClipDims, visionTokens } from "./dims.js";
import { encoder, layerNorm, linear } from "./layers.js";
import type { OnnxGraph } from "./onnx.js";
import type { LazyWeight } from "./weights.js";

export function buildVisionGraph(
  dims: ClipDims,
  weights: Map<string, LazyWeight>,
  floatType: FloatType,
  halfIo = false,
): OnnxGraph {
  const b = new GraphBuilder(floatType, weights, halfIo);
  const h = dims.visionHidden;
  const p = dims.patchSize;
  let lastHidden = "";
  let pooled = "";
  b.scoped("vision_model", () => {
    const pixels = b.toInternal("pixel_values");
    const embeddings = b.scoped("embeddings", () => {
      const conv = b.scoped("patch_embedding", () =>
        b.op("Conv", [pixels, b.weight("vision_model.embeddings.patch_embedding.weight")], {
          dilations: { ints: [1, 1] },
          group: { i: 1 },
          kernel_shape: { ints: [p, p] },
          pads: { ints: [0, 0, 0, 0] },
          strides: { ints: [p, p] },
        }),
      );
      // [B, h, g, g] → [B, g·g, h]; patch index = row · g + column, as flatten(2) in PyTorch.
      const flat = b.op("Reshape", [conv, b.i64([0, h, -1])]);
      const patches = b.op("Transpose", [flat], { perm: { ints: [0, 2, 1] } });
      const batch = b.op("Slice", [b.op("Shape", ["pixel_values"]), b.i64([0]), b.i64([1])]);
      const clsShape = b.op("Concat", [batch, b.i64([1, h])], { axis: { i: 0 } });
      const clsWeight = b.weight("vision_model.embeddings.class_embedding", { dims: [1, 1, h] });
      const cls = b.op("Expand", [clsWeight, clsShape]);
      const tokens = b.op("Concat", [cls, patches], { axis: { i: 1 } });
      const pos = b.weight("vision_model.embeddings.position_embedding.weight");
      return b.op("Add", [tokens, pos]);
    });
    const pre = layerNorm(b, embeddings, "vision_model.pre_layrnorm", "pre_layrnorm");
    lastHidden = encoder(b, pre, {
      hfPrefix: "vision_model",
      hidden: h,
      heads: dims.visionHeads,
      layers: dims.visionLayers,
    });
    const cls = b.op("Gather", [lastHidden, b.i64([0], [])], { axis: { i: 1 } });
    pooled = layerNorm(b, cls, "vision_model.post_layernorm", "post_layernorm");
  });
  const embeds = linear(b, pooled, "visual_projection", "visual_projection", false);
  b.output(lastHidden, "last_hidden_state");
  b.output(embeds, "image_embeds");
  const s = dims.imageSize;
  return b.graph(
    "vision_model",
    [{ name: "pixel_values", elemType: b.ioType, shape: ["batch_size", 3, s, s] }],
    [
      { name: "image_embeds", elemType: b.ioType, shape: ["batch_size", dims.projectionDim] },
      {
        name: "last_hidden_state",
        elemType: b.ioType,
        shape: ["batch_size", visionTokens(dims), h],
      },
    ],
  );
}
