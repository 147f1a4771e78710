/**
 * Reads the weights of a PyTorch-exported Xenova CLIP (text_model.onnx + vision_model.onnx)
 * under their HF state-dict names, so the float64 reference can be checked against real
 * Hugging Face outputs. Named initializers are `m.text.*` / `m.vision.*`; MatMul weights are
 * anonymous ([in, out]) and identified by the exporter's node names.
 */
import { join } from "node:path";
import { floatValues, readOnnx } from "./onnx-reader.js";
import type { WeightLookup } from "./reference.js";

function transpose(src: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(src.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

function hfName(tower: "text" | "vision", rest: string): string {
  const top = `${tower}_model`;
  const layer = /^layers\.(\d+)\.(.*)$/.exec(rest);
  if (layer) {
    const sub = layer[2].replace(/^(fc1|fc2)\./, "mlp.$1.");
    return `${top}.encoder.layers.${layer[1]}.${sub}`;
  }
  if (
    /^(token_embedding|position_embedding|patch_embedding)\./.test(rest) ||
    rest === "class_embedding"
  ) {
    return `${top}.embeddings.${rest}`;
  }
  return `${top}.${rest}`;
}

export function loadXenovaWeights(dir: string): WeightLookup {
  const weights = new Map<string, Float64Array>();
  for (const tower of ["text", "vision"] as const) {
    const model = readOnnx(join(dir, "onnx", `${tower}_model.onnx`));
    for (const [name, t] of model.initializers) {
      const m = /^m\.(text|vision)\.(.*)$/.exec(name);
      if (m && t.dataType === 1) weights.set(hfName(tower, m[2]), floatValues(t));
    }
    for (const node of model.nodes) {
      const t = model.initializers.get(node.inputs[1] ?? "");
      if (t?.dataType !== 1) continue;
      if (node.opType === "MatMul") {
        const path = node.name.replace(/^\/(text|vision)\//, "").replace(/\/MatMul$/, "");
        const proj = /^(text_projection|visual_projection)$/.test(path);
        const name = proj ? `${path}.weight` : hfName(tower, `${path.replaceAll("/", ".")}.weight`);
        weights.set(name, transpose(floatValues(t), t.dims[0], t.dims[1]));
      } else if (node.opType === "Add" && node.name === "/vision/Add") {
        weights.set("vision_model.embeddings.position_embedding.weight", floatValues(t));
      }
    }
  }
  return (name) => {
    const w = weights.get(name);
    if (!w) throw new Error(`weight ${name} not found in ${dir}`);
    return w;
  };
}
