/**
 * A "bag of token vectors" text tower for the probe-text fixture (probe-text.ts): `text_embeds`
 * is the sum of one fixed vector per token, over the tokens up to and including the first EOS
 * (the largest id, as CLIP pools), so padding after EOS changes nothing. Same interface as the
 * CLIP text tower: input `input_ids` int64 [batch_size, sequence_length]; outputs `text_embeds`
 * [batch_size, projection_dim] and `last_hidden_state` (here the token vectors,
 * [batch_size, sequence_length, projection_dim]). fp32 only.
 */
import { GraphBuilder } from "./builder.js";
import { DataType, type OnnxGraph } from "./onnx.js";

/** The graph for a `vocab` × `dim` table of token vectors (row-major). */
export function buildBagTextGraph(table: Float32Array, vocab: number, dim: number): OnnxGraph {
  if (table.length !== vocab * dim) throw new Error(`table is not ${vocab} × ${dim}`);
  const b = new GraphBuilder(DataType.FLOAT, new Map());
  const ids = "input_ids";
  const tableName = b.addInitializer({
    name: "bag.token_vectors",
    dims: [vocab, dim],
    dataType: DataType.FLOAT,
    data: new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
  });
  const tokens = b.op("Gather", [tableName, ids]);
  const embeds = b.scoped("bag", () => {
    const shape = b.op("Shape", [ids]);
    const seq = b.op("Gather", [shape, b.i64([1], [])], { axis: { i: 0 } });
    const positions = b.op("Unsqueeze", [
      b.op("Range", [b.i64([0], []), seq, b.i64([1], [])]),
      b.i64([0]),
    ]);
    const eos = b.op("ArgMax", [ids], {
      axis: { i: -1 },
      keepdims: { i: 1 },
      select_last_index: { i: 0 },
    });
    const keep = b.op("Cast", [b.op("LessOrEqual", [positions, eos])], {
      to: { i: DataType.FLOAT },
    });
    const weighted = b.op("Mul", [tokens, b.op("Unsqueeze", [keep, b.i64([2])])]);
    return b.op("ReduceSum", [weighted, b.i64([1])], { keepdims: { i: 0 } });
  });
  b.output(tokens, "last_hidden_state");
  b.output(embeds, "text_embeds");
  return b.graph(
    "text_model",
    [{ name: ids, elemType: DataType.INT64, shape: ["batch_size", "sequence_length"] }],
    [
      { name: "text_embeds", elemType: DataType.FLOAT, shape: ["batch_size", dim] },
      {
        name: "last_hidden_state",
        elemType: DataType.FLOAT,
        shape: ["batch_size", "sequence_length", dim],
      },
    ],
  );
}
