/**
 * Helper for building an ONNX graph: scoped node names in the style of the PyTorch exporter
 * (`/text_model/encoder/layers.0/self_attn/q_proj/MatMul`), de-duplicated constants, and lazy
 * weight initializers taken from a HF-named weight map.
 */
import { toHalfBytes } from "./fp16.js";
import {
  type AttrValue,
  DataType,
  type OnnxGraph,
  type OnnxNode,
  type Tensor,
  type ValueInfo,
} from "./onnx.js";
import type { LazyWeight } from "./weights.js";

export type FloatType = typeof DataType.FLOAT | typeof DataType.FLOAT16;

export interface WeightOptions {
  /** Store a 2-D [out, in] Linear weight as [in, out] for MatMul. */
  transpose?: boolean;
  /** Override the stored shape (same number of elements). */
  dims?: number[];
}

function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[base + c];
  }
  return out;
}

function i64Bytes(values: number[]): Uint8Array {
  const a = new BigInt64Array(values.map((v) => BigInt(v)));
  return new Uint8Array(a.buffer);
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Tensor[] = [];
  private readonly initNames = new Set<string>();
  private readonly nameCounts = new Map<string, number>();
  private readonly scopes: string[] = [];

  /**
   * @param halfIo With a float16 graph: float inputs and outputs are float16 too, as in real
   *   fp16 exports (no Cast at the graph boundary). Default: float32 at the boundary.
   */
  constructor(
    readonly floatType: FloatType,
    private readonly weights: Map<string, LazyWeight>,
    readonly halfIo = false,
  ) {}

  /** Element type of the graph's float inputs and outputs. */
  get ioType(): FloatType {
    return this.halfIo && this.floatType === DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT;
  }

  /** Runs `fn` with `name` appended to the node-name scope. */
  scoped<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** Adds a node; returns its output names (`<node name>_output_<i>` unless given). */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: number | string[] = 1,
  ): string[] {
    const base = `/${[...this.scopes, opType].join("/")}`;
    const count = this.nameCounts.get(base) ?? 0;
    this.nameCounts.set(base, count + 1);
    const name = count === 0 ? base : `${base}_${count}`;
    const outs =
      typeof outputs === "number"
        ? Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`)
        : outputs;
    this.nodes.push({ opType, name, inputs, outputs: outs, attrs });
    return outs;
  }

  /** Adds a single-output node and returns the output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  addInitializer(t: Tensor): string {
    if (!this.initNames.has(t.name)) {
      this.initNames.add(t.name);
      this.initializers.push(t);
    }
    return t.name;
  }

  /** int64 constant (scalar when `dims` is []), shared between uses. */
  i64(values: number[], dims: number[] = [values.length]): string {
    const shape = dims.length === 0 ? "scalar" : dims.join("x");
    const name = `const_i64_${shape}_${values.join("_").replaceAll("-", "m")}`;
    return this.addInitializer({ name, dims, dataType: DataType.INT64, data: i64Bytes(values) });
  }

  /** Scalar constant of the graph's float type. */
  scalar(value: number): string {
    const f = new Float32Array([value]);
    const fp16 = this.floatType === DataType.FLOAT16;
    const name = `const_${fp16 ? "f16" : "f32"}_${value}`;
    const data = fp16 ? toHalfBytes(f) : new Uint8Array(f.buffer);
    return this.addInitializer({ name, dims: [], dataType: this.floatType, data });
  }

  /** A one-element tensor attribute of the graph's float type (e.g. for ConstantOfShape). */
  floatTensorAttr(value: number): AttrValue {
    const f = new Float32Array([value]);
    const data = this.floatType === DataType.FLOAT16 ? toHalfBytes(f) : new Uint8Array(f.buffer);
    return { t: { name: "value", dims: [1], dataType: this.floatType, data } };
  }

  /** Initializer for HF weight `hfName` (lazy), in the graph's float type. */
  weight(hfName: string, opts: WeightOptions = {}): string {
    const w = this.weights.get(hfName);
    if (!w) throw new Error(`unknown weight ${hfName}`);
    let dims = opts.dims ?? w.dims;
    let name = hfName;
    let floatValues = () => w.values();
    if (opts.transpose) {
      if (w.dims.length !== 2) throw new Error(`cannot transpose ${hfName}`);
      const [rows, cols] = w.dims;
      dims = [cols, rows];
      name = `${hfName}.T`;
      floatValues = () => transpose2d(w.values(), rows, cols);
    }
    if (this.initNames.has(name)) return name;
    const n = dims.reduce((a, b) => a * b, 1);
    const fp16 = this.floatType === DataType.FLOAT16;
    const data = {
      length: n * (fp16 ? 2 : 4),
      produce: () => {
        const v = floatValues();
        return fp16 ? toHalfBytes(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      },
    };
    return this.addInitializer({ name, dims, dataType: this.floatType, data, floatValues });
  }

  /** Cast a float graph input to the graph's float type (no-op when they are the same). */
  toInternal(x: string): string {
    if (this.floatType === this.ioType) return x;
    return this.op("Cast", [x], { to: { i: this.floatType } });
  }

  /** Makes internal tensor `x` available as graph output `name` (of type `ioType`). */
  output(x: string, name: string): void {
    if (this.floatType !== this.ioType) {
      this.node("Cast", [x], { to: { i: this.ioType } }, [name]);
      return;
    }
    for (const n of this.nodes) {
      n.outputs = n.outputs.map((o) => (o === x ? name : o));
      n.inputs = n.inputs.map((i) => (i === x ? name : i));
    }
  }

  graph(name: string, inputs: ValueInfo[], outputs: ValueInfo[]): OnnxGraph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }
}
