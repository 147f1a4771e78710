/**
 * CLIPTextModelWithProjection as ONNX: input `input_ids` int64 [batch_size, sequence_length];
 * outputs `text_embeds` [batch_size, projection_dim] (projected, not normalised) and
 * `last_hidden_state` [batch_size, sequence_length, hidden].
 * With `halfIo` (fp16 graphs only) the outputs are float16, as in real fp16 exports.
 */
import { type FloatType, GraphBuilder } from "./builder.js";
import type { ClipDims } from "./dims.js";
import { encoder, layerNorm, linear } from "./layers.js";
import { DataType, type OnnxGraph } from "./onnx.js";
import type { LazyWeight } from "./weights.js";

const axis0 = { axis: { i: 0 } };

export function buildTextGraph(
  dims: ClipDims,
  weights: Map<string, LazyWeight>,
  floatType: FloatType,
  halfIo = false,
): OnnxGraph {
  const b = new GraphBuilder(floatType, weights, halfIo);
  const ids = "input_ids";
  const h = dims.textHidden;
  let lastHidden = "";
  let pooled = "";
  b.scoped("text_model", () => {
    const shape = b.op("Shape", [ids]);
    const batch = b.op("Gather", [shape, b.i64([0], [])], axis0);
    const seq = b.op("Gather", [shape, b.i64([1], [])], axis0);

    const embeddings = b.scoped("embeddings", () => {
      const tok = b.scoped("token_embedding", () =>
        b.op("Gather", [b.weight("text_model.embeddings.token_embedding.weight"), ids]),
      );
      const positions = b.op("Range", [b.i64([0], []), seq, b.i64([1], [])]);
      const pos = b.scoped("position_embedding", () =>
        b.op("Gather", [b.weight("text_model.embeddings.position_embedding.weight"), positions]),
      );
      return b.op("Add", [tok, pos]);
    });

    // Causal mask [1, 1, S, S]: -inf strictly above the diagonal, 0 elsewhere.
    const seqVec = b.op("Unsqueeze", [seq, b.i64([0])]);
    const square = b.op("Concat", [seqVec, seqVec], axis0);
    const full = b.op("ConstantOfShape", [square], { value: b.floatTensorAttr(-Infinity) });
    const upper = b.op("Trilu", [full, b.i64([1], [])], { upper: { i: 1 } });
    const mask = b.op("Unsqueeze", [upper, b.i64([0, 1])]);

    const encoded = encoder(b, embeddings, {
      hfPrefix: "text_model",
      hidden: h,
      heads: dims.textHeads,
      layers: dims.textLayers,
      mask,
    });
    lastHidden = layerNorm(b, encoded, "text_model.final_layer_norm", "final_layer_norm");

    // Pooled output: hidden state at the first position of the largest id (EOS), per row.
    const eos = b.op("ArgMax", [ids], {
      axis: { i: -1 },
      keepdims: { i: 0 },
      select_last_index: { i: 0 },
    });
    const rows = b.op("Range", [b.i64([0], []), batch, b.i64([1], [])]);
    const flatIndex = b.op("Add", [b.op("Mul", [rows, seq]), eos]);
    const flat = b.op("Flatten", [lastHidden], { axis: { i: 2 } });
    pooled = b.op("Gather", [flat, flatIndex], axis0);
  });
  const embeds = linear(b, pooled, "text_projection", "text_projection", false);
  b.output(lastHidden, "last_hidden_state");
  b.output(embeds, "text_embeds");
  return b.graph(
    "text_model",
    [{ name: ids, elemType: DataType.INT64, shape: ["batch_size", "sequence_length"] }],
    [
      { name: "text_embeds", elemType: b.ioType, shape: ["batch_size", dims.projectionDim] },
      {
        name: "last_hidden_state",
        elemType: b.ioType,
        shape: ["batch_size", "sequence_length", h],
      },
    ],
  );
}
