/**
 * Dynamic int8 quantization of MatMuls with constant weights, in the form onnxruntime's
 * `quantize_dynamic` (IntegerOps mode, MatMulConstBOnly) emits:
 *
 *   x ─ DynamicQuantizeLinear ─→ (x_q uint8, x_scale, x_zero_point)
 *   MatMulInteger(x_q, W_q int8, x_zero_point, W_zero_point) → int32
 *   Cast(float) · (x_scale · W_scale) → original MatMul output
 *
 * Weights are quantized per tensor, symmetrically (zero point 0) to signed int8, so the kernel
 * is u8 activations × s8 weights (the AVX-VNNI / AVX512-VNNI fast path). With `reduceRange`
 * (default, as transformers.js uses for CLIP) weights use 7 bits, [-64, 64], which avoids the
 * int16 saturation of u8×s8 pair sums on AVX2 machines without VNNI. Conv, Gather, LayerNorm and
 * activation-by-activation MatMuls stay in float.
 */
import { DataType, type OnnxGraph, type OnnxNode, type Tensor } from "./onnx.js";

export interface QuantizeOptions {
  /** 7-bit weights ([-64, 64]) instead of 8-bit ([-127, 127]). Default true. */
  reduceRange?: boolean;
}

interface QuantizedWeight {
  values: Int8Array;
  scale: number;
}

/** Symmetric per-tensor quantization: q = round(w / scale), scale = max|w| / qmax. */
export function quantizeSymmetric(w: Float32Array, qmax: number): QuantizedWeight {
  let amax = 0;
  for (let i = 0; i < w.length; i++) {
    const a = Math.abs(w[i]);
    if (a > amax) amax = a;
  }
  const scale = amax > 0 ? Math.fround(amax / qmax) : 1;
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = Math.round(w[i] / scale);
    values[i] = Math.min(qmax, Math.max(-qmax, q));
  }
  return { values, scale };
}

function quantizedInitializers(w: Tensor, qmax: number): [Tensor, Tensor, Tensor] {
  const floatValues = w.floatValues;
  if (!floatValues) throw new Error(`no float values for ${w.name}`);
  // The weight and its scale come from one quantization; the weight is written first and
  // leaves the result for the scale (recomputed if the order were ever different).
  let pending: QuantizedWeight | undefined;
  const compute = () => quantizeSymmetric(floatValues(), qmax);
  const n = w.dims.reduce((a, b) => a * b, 1);
  const q: Tensor = {
    name: `${w.name}_quantized`,
    dims: w.dims,
    dataType: DataType.INT8,
    data: {
      length: n,
      produce: () => {
        pending = compute();
        return new Uint8Array(pending.values.buffer);
      },
    },
  };
  const scale: Tensor = {
    name: `${w.name}_scale`,
    dims: [],
    dataType: DataType.FLOAT,
    data: {
      length: 4,
      produce: () => {
        const s = (pending ?? compute()).scale;
        pending = undefined;
        return new Uint8Array(new Float32Array([s]).buffer);
      },
    },
  };
  const zp: Tensor = {
    name: `${w.name}_zero_point`,
    dims: [],
    dataType: DataType.INT8,
    data: new Uint8Array([0]),
  };
  return [q, scale, zp];
}

/** Returns a new graph with every float MatMul-by-constant replaced by its integer form. */
export function quantizeDynamic(g: OnnxGraph, opts: QuantizeOptions = {}): OnnxGraph {
  const qmax = (opts.reduceRange ?? true) ? 64 : 127;
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const quantizedWeights = new Map<string, [Tensor, Tensor, Tensor]>();
  const activations = new Map<string, [string, string, string]>();
  const nodes: OnnxNode[] = [];

  for (const n of g.nodes) {
    const w = n.opType === "MatMul" ? inits.get(n.inputs[1]) : undefined;
    if (!w || w.dataType !== DataType.FLOAT || w.dims.length !== 2 || !w.floatValues) {
      nodes.push(n);
      continue;
    }
    const x = n.inputs[0];
    let act = activations.get(x);
    if (!act) {
      act = [`${x}_quantized`, `${x}_scale`, `${x}_zero_point`];
      nodes.push({
        opType: "DynamicQuantizeLinear",
        name: `${x}_QuantizeLinear`,
        inputs: [x],
        outputs: [...act],
        attrs: {},
      });
      activations.set(x, act);
    }
    let qw = quantizedWeights.get(w.name);
    if (!qw) {
      qw = quantizedInitializers(w, qmax);
      quantizedWeights.set(w.name, qw);
    }
    const y = n.outputs[0];
    const int32 = `${y}_quantized`;
    const asFloat = `${y}_quantized_cast`;
    const scales = `${n.name}_quant_scales_mul:0`;
    nodes.push(
      {
        opType: "MatMulInteger",
        name: `${n.name}_quant`,
        inputs: [act[0], qw[0].name, act[2], qw[2].name],
        outputs: [int32],
        attrs: {},
      },
      {
        opType: "Cast",
        name: `${n.name}_quant_cast`,
        inputs: [int32],
        outputs: [asFloat],
        attrs: { to: { i: DataType.FLOAT } },
      },
      {
        opType: "Mul",
        name: `${n.name}_quant_scales_mul`,
        inputs: [act[1], qw[1].name],
        outputs: [scales],
        attrs: {},
      },
      {
        opType: "Mul",
        name: `${n.name}_quant_output_scale_mul`,
        inputs: [asFloat, scales],
        outputs: [y],
        attrs: {},
      },
    );
  }

  const used = new Set(nodes.flatMap((n) => n.inputs));
  const initializers: Tensor[] = [];
  for (const t of g.initializers) {
    if (used.has(t.name)) initializers.push(t);
    const qw = quantizedWeights.get(t.name);
    if (qw) initializers.push(...qw);
  }
  return { ...g, nodes, initializers };
}
