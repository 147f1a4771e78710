/** Building blocks shared by both towers: LayerNorm, Linear, attention, MLP, encoder layer. */
import type { GraphBuilder } from "./builder.js";

export const LAYER_NORM_EPS = 1e-5;

/** `name` is both the HF module path (for weights) and the node scope. */
export function layerNorm(
  b: GraphBuilder,
  x: string,
  hfPrefix: string,
  scope: string,
  eps = LAYER_NORM_EPS,
): string {
  return b.scoped(scope, () =>
    b.op("LayerNormalization", [x, b.weight(`${hfPrefix}.weight`), b.weight(`${hfPrefix}.bias`)], {
      axis: { i: -1 },
      epsilon: { f: eps },
    }),
  );
}

/** y = x·Wᵀ (+ b), with W stored transposed as a MatMul constant, as the exporter does. */
export function linear(
  b: GraphBuilder,
  x: string,
  hfPrefix: string,
  scope: string,
  bias = true,
): string {
  return b.scoped(scope, () => {
    const mm = b.op("MatMul", [x, b.weight(`${hfPrefix}.weight`, { transpose: true })]);
    return bias ? b.op("Add", [b.weight(`${hfPrefix}.bias`), mm]) : mm;
  });
}

/** Multi-head self-attention over [B, S, hidden]; `mask` is additive, broadcast to [B, h, S, S]. */
function selfAttention(
  b: GraphBuilder,
  x: string,
  hfPrefix: string,
  hidden: number,
  heads: number,
  mask: string | undefined,
): string {
  const headDim = hidden / heads;
  return b.scoped("self_attn", () => {
    const q = linear(b, x, `${hfPrefix}.q_proj`, "q_proj");
    const qScaled = b.op("Mul", [q, b.scalar(headDim ** -0.5)]);
    const k = linear(b, x, `${hfPrefix}.k_proj`, "k_proj");
    const v = linear(b, x, `${hfPrefix}.v_proj`, "v_proj");
    const split = b.i64([0, 0, heads, headDim]);
    const qh = b.op("Transpose", [b.op("Reshape", [qScaled, split])], {
      perm: { ints: [0, 2, 1, 3] },
    });
    const kt = b.op("Transpose", [b.op("Reshape", [k, split])], { perm: { ints: [0, 2, 3, 1] } });
    const vh = b.op("Transpose", [b.op("Reshape", [v, split])], { perm: { ints: [0, 2, 1, 3] } });
    let scores = b.op("MatMul", [qh, kt]);
    if (mask) scores = b.op("Add", [scores, mask]);
    const probs = b.op("Softmax", [scores], { axis: { i: -1 } });
    const ctx = b.op("Transpose", [b.op("MatMul", [probs, vh])], { perm: { ints: [0, 2, 1, 3] } });
    const merged = b.op("Reshape", [ctx, b.i64([0, 0, hidden])]);
    return linear(b, merged, `${hfPrefix}.out_proj`, "out_proj");
  });
}

/** quick_gelu(x) = x · sigmoid(1.702 x). */
function quickGelu(b: GraphBuilder, x: string): string {
  const s = b.op("Sigmoid", [b.op("Mul", [x, b.scalar(1.702)])]);
  return b.op("Mul", [x, s]);
}

/**
 * gelu_pytorch_tanh(x) = 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), built from
 * elementary ops (opset 17 has no Gelu), in the order the PyTorch exporter writes them.
 */
export function geluTanh(b: GraphBuilder, x: string): string {
  const cube = b.op("Pow", [x, b.scalar(3)]);
  const inner = b.op("Add", [x, b.op("Mul", [cube, b.scalar(0.044715)])]);
  const t = b.op("Tanh", [b.op("Mul", [inner, b.scalar(Math.sqrt(2 / Math.PI))])]);
  const half = b.op("Mul", [x, b.scalar(0.5)]);
  return b.op("Mul", [half, b.op("Add", [t, b.scalar(1)])]);
}

export type Activation = "quick_gelu" | "gelu_pytorch_tanh";

export interface EncoderSpec {
  hfPrefix: string;
  hidden: number;
  heads: number;
  layers: number;
  mask?: string;
  /** MLP activation (default quick_gelu, CLIP's). */
  act?: Activation;
  /** Layer-norm epsilon (default 1e-5, CLIP's). */
  eps?: number;
}

/** The MLP (fc1 → activation → fc2) of HF module `hfPrefix` (…mlp), in node scope `mlp`. */
export function mlp(b: GraphBuilder, x: string, hfPrefix: string, act: Activation): string {
  return b.scoped("mlp", () => {
    const fc1 = linear(b, x, `${hfPrefix}.fc1`, "fc1");
    const a = act === "gelu_pytorch_tanh" ? geluTanh(b, fc1) : quickGelu(b, fc1);
    return linear(b, a, `${hfPrefix}.fc2`, "fc2");
  });
}

/** Pre-LN transformer encoder (CLIPEncoder, SiglipEncoder) over [B, S, hidden]. */
export function encoder(b: GraphBuilder, x: string, spec: EncoderSpec): string {
  const eps = spec.eps ?? LAYER_NORM_EPS;
  const act = spec.act ?? "quick_gelu";
  let h = x;
  b.scoped("encoder", () => {
    for (let l = 0; l < spec.layers; l++) {
      const p = `${spec.hfPrefix}.encoder.layers.${l}`;
      h = b.scoped(`layers.${l}`, () => {
        const ln1 = layerNorm(b, h, `${p}.layer_norm1`, "layer_norm1", eps);
        const attn = selfAttention(b, ln1, `${p}.self_attn`, spec.hidden, spec.heads, spec.mask);
        const res1 = b.op("Add", [h, attn]);
        const ln2 = layerNorm(b, res1, `${p}.layer_norm2`, "layer_norm2", eps);
        return b.op("Add", [res1, mlp(b, ln2, `${p}.mlp`, act)]);
      });
    }
  });
  return h;
}
