/**
 * In-memory ONNX graph representation and its serialisation to the onnx.proto wire format
 * (field numbers from onnx/onnx.proto, IR version 8, default-domain opset 17).
 */
import { type Chunk, type LazyBytes, Msg } from "./protobuf.js";

/** TensorProto.DataType values used here. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export function elemSize(dt: DataTypeCode): number {
  switch (dt) {
    case DataType.FLOAT:
    case DataType.INT32:
      return 4;
    case DataType.INT64:
    case DataType.DOUBLE:
      return 8;
    case DataType.FLOAT16:
      return 2;
    default:
      return 1;
  }
}

/** An initializer or tensor attribute. `data` holds raw little-endian bytes (maybe lazy). */
export interface Tensor {
  name: string;
  dims: number[];
  dataType: DataTypeCode;
  data: Uint8Array | LazyBytes;
  /** For float weights: the values in this tensor's layout, regenerated on demand. */
  floatValues?: () => Float32Array;
}

export type AttrValue =
  | { i: number }
  | { f: number }
  | { ints: number[] }
  | { s: string }
  | { t: Tensor };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface ValueInfo {
  name: string;
  elemType: DataTypeCode;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelMeta {
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export function numel(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function tensorMsg(t: Tensor): Msg {
  const expected = numel(t.dims) * elemSize(t.dataType);
  if (t.data.length !== expected) {
    throw new Error(`tensor ${t.name}: ${t.data.length} bytes, expected ${expected}`);
  }
  const m = new Msg();
  for (const d of t.dims) m.varint(1, d);
  m.varint(2, t.dataType);
  m.string(8, t.name);
  m.bytes(9, t.data as Chunk);
  return m;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

function attrMsg(name: string, v: AttrValue): Msg {
  const m = new Msg().string(1, name);
  if ("f" in v) m.float(2, v.f).varint(20, ATTR_FLOAT);
  else if ("i" in v) m.varint(3, v.i).varint(20, ATTR_INT);
  else if ("s" in v) m.string(4, v.s).varint(20, ATTR_STRING);
  else if ("t" in v) m.message(5, tensorMsg(v.t)).varint(20, ATTR_TENSOR);
  else {
    for (const x of v.ints) m.varint(8, x);
    m.varint(20, ATTR_INTS);
  }
  return m;
}

function nodeMsg(n: OnnxNode): Msg {
  const m = new Msg();
  for (const x of n.inputs) m.string(1, x);
  for (const x of n.outputs) m.string(2, x);
  m.string(3, n.name).string(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs)) m.message(5, attrMsg(k, v));
  return m;
}

function valueInfoMsg(v: ValueInfo): Msg {
  const shape = new Msg();
  for (const d of v.shape) {
    const dim = new Msg();
    if (typeof d === "number") dim.varint(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new Msg().varint(1, v.elemType).message(2, shape);
  const type = new Msg().message(1, tensorType);
  return new Msg().string(1, v.name).message(2, type);
}

export function graphMsg(g: OnnxGraph): Msg {
  const m = new Msg();
  for (const n of g.nodes) m.message(1, nodeMsg(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, tensorMsg(t));
  for (const v of g.inputs) m.message(11, valueInfoMsg(v));
  for (const v of g.outputs) m.message(12, valueInfoMsg(v));
  return m;
}

export function modelMsg(g: OnnxGraph, meta: ModelMeta): Msg {
  const m = new Msg().varint(1, 8);
  m.string(2, meta.producerName).string(3, meta.producerVersion);
  if (meta.docString) m.string(6, meta.docString);
  m.message(7, graphMsg(g));
  m.message(8, new Msg().string(1, "").varint(2, 17));
  for (const [k, v] of Object.entries(meta.metadata ?? {})) {
    m.message(14, new Msg().string(1, k).string(2, v));
  }
  return m;
}

/** Checks that every node input is a graph input, an initializer or an earlier node output. */
export function checkTopology(g: OnnxGraph): void {
  const known = new Set<string>([
    ...g.inputs.map((v) => v.name),
    ...g.initializers.map((t) => t.name),
  ]);
  for (const n of g.nodes) {
    for (const x of n.inputs) {
      if (x !== "" && !known.has(x)) throw new Error(`node ${n.name}: unknown input ${x}`);
    }
    for (const y of n.outputs) {
      if (known.has(y)) throw new Error(`node ${n.name}: ${y} defined twice`);
      known.add(y);
    }
  }
  for (const o of g.outputs) {
    if (!known.has(o.name)) throw new Error(`graph output ${o.name} is never produced`);
  }
}
