/**
 * SiglipVisionTransformer: patch Conv (kernel = stride = patch, WITH bias), no class token,
 * + position embedding → pre-LN encoder → post_layernorm = `last_hidden_state` → multihead
 * attention pooling head = `pooler_output` (the image embedding, not normalised).
 *
 * The head (SiglipMultiheadAttentionPoolingHead): a learnt probe [1, 1, h] attends over all
 * tokens with torch.nn.MultiheadAttention (packed in_proj_weight [3h, h]: q from the probe, k and
 * v from the tokens; q scaled by head_dim^-0.5; out_proj), then x + mlp(layernorm(x)), and the
 * probe's row is the output.
 */
import type { GraphBuilder } from "../builder.js";
import { encoder, layerNorm, linear, mlp } from "../layers.js";
import type { SiglipDims } from "./dims.js";
import { SIGLIP_EPS, type TowerOut } from "./text-tower.js";

/** Multi-head attention of q [B, Sq, h] over k, v [B, Sk, h] (no mask, no projections). */
function attend(b: GraphBuilder, q: string, k: string, v: string, h: number, heads: number) {
  const hd = h / heads;
  const split = b.i64([0, 0, heads, hd]);
  const heads4 = (x: string, perm: number[]) =>
    b.op("Transpose", [b.op("Reshape", [x, split])], { perm: { ints: perm } });
  const qh = heads4(b.op("Mul", [q, b.scalar(hd ** -0.5)]), [0, 2, 1, 3]);
  const kt = heads4(k, [0, 2, 3, 1]);
  const vh = heads4(v, [0, 2, 1, 3]);
  const probs = b.op("Softmax", [b.op("MatMul", [qh, kt])], { axis: { i: -1 } });
  const ctx = b.op("Transpose", [b.op("MatMul", [probs, vh])], { perm: { ints: [0, 2, 1, 3] } });
  return b.op("Reshape", [ctx, b.i64([0, 0, h])]);
}

function slice(b: GraphBuilder, x: string, start: number, end: number, axis: number): string {
  return b.op("Slice", [x, b.i64([start]), b.i64([end]), b.i64([axis])]);
}

function poolingHead(b: GraphBuilder, dims: SiglipDims, x: string, batch: string): string {
  const h = dims.hidden;
  const p = "vision_model.head";
  return b.scoped("head", () => {
    const probe = b.op("Expand", [
      b.weight(`${p}.probe`),
      b.op("Concat", [batch, b.i64([1, h])], { axis: { i: 0 } }),
    ]);
    const attnOut = b.scoped("attention", () => {
      const w = b.weight(`${p}.attention.in_proj_weight`, { transpose: true }); // [h, 3h]
      const bias = b.weight(`${p}.attention.in_proj_bias`); // [3h]
      const q = b.op("Add", [
        b.op("MatMul", [probe, slice(b, w, 0, h, 1)]),
        slice(b, bias, 0, h, 0),
      ]);
      const kvW = slice(b, w, h, 3 * h, 1);
      const kv = b.op("Add", [b.op("MatMul", [x, kvW]), slice(b, bias, h, 3 * h, 0)]);
      const k = slice(b, kv, 0, h, 2);
      const v = slice(b, kv, h, 2 * h, 2);
      const ctx = attend(b, q, k, v, h, dims.visionHeads);
      return linear(b, ctx, `${p}.attention.out_proj`, "out_proj");
    });
    const normed = layerNorm(b, attnOut, `${p}.layernorm`, "layernorm", SIGLIP_EPS);
    const out = b.op("Add", [attnOut, mlp(b, normed, `${p}.mlp`, "gelu_pytorch_tanh")]);
    return b.op("Gather", [out, b.i64([0], [])], { axis: { i: 1 } });
  });
}

/** Adds the vision tower over graph input `pixels` ([batch, 3, S, S] float) to `b`. */
export function addVisionTower(b: GraphBuilder, dims: SiglipDims, pixels: string): TowerOut {
  const h = dims.hidden;
  const p = dims.patchSize;
  let lastHidden = "";
  let pooled = "";
  b.scoped("vision_model", () => {
    const batch = b.op("Slice", [b.op("Shape", [pixels]), b.i64([0]), b.i64([1])]);
    const embeddings = b.scoped("embeddings", () => {
      const conv = b.scoped("patch_embedding", () =>
        b.op(
          "Conv",
          [
            pixels,
            b.weight("vision_model.embeddings.patch_embedding.weight"),
            b.weight("vision_model.embeddings.patch_embedding.bias"),
          ],
          {
            dilations: { ints: [1, 1] },
            group: { i: 1 },
            kernel_shape: { ints: [p, p] },
            pads: { ints: [0, 0, 0, 0] },
            strides: { ints: [p, p] },
          },
        ),
      );
      // [B, h, g, g] → [B, g·g, h]; patch index = row · g + column (flatten(2).transpose(1, 2)).
      const flat = b.op("Reshape", [conv, b.i64([0, h, -1])]);
      const patches = b.op("Transpose", [flat], { perm: { ints: [0, 2, 1] } });
      const pos = b.scoped("position_embedding", () =>
        b.weight("vision_model.embeddings.position_embedding.weight"),
      );
      return b.op("Add", [patches, pos]);
    });
    const encoded = encoder(b, embeddings, {
      hfPrefix: "vision_model",
      hidden: h,
      heads: dims.visionHeads,
      layers: dims.visionLayers,
      act: "gelu_pytorch_tanh",
      eps: SIGLIP_EPS,
    });
    lastHidden = layerNorm(b, encoded, "vision_model.post_layernorm", "post_layernorm", SIGLIP_EPS);
    pooled = poolingHead(b, dims, lastHidden, batch);
  });
  return { lastHidden, pooled };
}
