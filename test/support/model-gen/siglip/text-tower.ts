/**
 * SiglipTextTransformer: token + position embeddings → pre-LN encoder with NO attention mask
 * (SigLIP's text tower attends to padding too, so inputs must be padded to the position table,
 * 64) → final_layer_norm = `last_hidden_state` → the LAST position's state → `head` (Linear with
 * bias) = `pooler_output` (the text embedding, not normalised).
 */
import type { GraphBuilder } from "../builder.js";
import { encoder, layerNorm, linear } from "../layers.js";
import type { SiglipDims } from "./dims.js";

export const SIGLIP_EPS = 1e-6;

export interface TowerOut {
  lastHidden: string;
  pooled: string;
}

/** Adds the text tower over graph input `ids` ([batch, seq] int64) to `b`. */
export function addTextTower(b: GraphBuilder, dims: SiglipDims, ids: string): TowerOut {
  let lastHidden = "";
  b.scoped("text_model", () => {
    const embeddings = b.scoped("embeddings", () => {
      const tok = b.scoped("token_embedding", () =>
        b.op("Gather", [b.weight("text_model.embeddings.token_embedding.weight"), ids]),
      );
      const seq = b.op("Gather", [b.op("Shape", [ids]), b.i64([1], [])], { axis: { i: 0 } });
      const positions = b.op("Range", [b.i64([0], []), seq, b.i64([1], [])]);
      const pos = b.scoped("position_embedding", () =>
        b.op("Gather", [b.weight("text_model.embeddings.position_embedding.weight"), positions]),
      );
      return b.op("Add", [tok, pos]);
    });
    const encoded = encoder(b, embeddings, {
      hfPrefix: "text_model",
      hidden: dims.hidden,
      heads: dims.textHeads,
      layers: dims.textLayers,
      act: "gelu_pytorch_tanh",
      eps: SIGLIP_EPS,
    });
    lastHidden = layerNorm(
      b,
      encoded,
      "text_model.final_layer_norm",
      "final_layer_norm",
      SIGLIP_EPS,
    );
  });
  // last_hidden_state[:, -1, :] → head.
  const last = b.scoped("text_model", () =>
    b.op("Gather", [lastHidden, b.i64([-1], [])], { axis: { i: 1 } }),
  );
  const pooled = b.scoped("text_model", () => linear(b, last, "text_model.head", "head"));
  return { lastHidden, pooled };
}
