/**
 * A small, independent ONNX protobuf reader for tests: decodes the wire format generically and
 * picks out nodes, initializers, graph inputs/outputs and the opset (onnx.proto field numbers).
 */
import { readFileSync } from "node:fs";

type Field = { no: number; wire: number; int: bigint; bytes: Uint8Array };

function decode(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const empty = new Uint8Array(0);
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, int: varint(), bytes: empty });
    else if (wire === 2) {
      const len = Number(varint());
      out.push({ no, wire, int: 0n, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      out.push({ no, wire, int: 0n, bytes: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else if (wire === 1) {
      out.push({ no, wire, int: 0n, bytes: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const all = (f: Field[], no: number) => f.filter((x) => x.no === no);
const str = (f: Field[], no: number) => text(all(f, no)[0]?.bytes ?? new Uint8Array(0));
const int = (f: Field[], no: number) => Number(BigInt.asIntN(64, all(f, no)[0]?.int ?? 0n));

/** Repeated int64 field, packed or not. */
function ints(f: Field[], no: number): number[] {
  const res: number[] = [];
  for (const x of all(f, no)) {
    if (x.wire === 0) res.push(Number(BigInt.asIntN(64, x.int)));
    else
      for (const y of decode(packedAsFields(x.bytes))) res.push(Number(BigInt.asIntN(64, y.int)));
  }
  return res;
}

/** Re-frames packed varints as field-1 varints so `decode` can read them. */
function packedAsFields(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = true;
  for (const byte of b) {
    if (start) out.push(0x08);
    out.push(byte);
    start = (byte & 0x80) === 0;
  }
  return Uint8Array.from(out);
}

export interface ReadTensor {
  name: string;
  dims: number[];
  dataType: number;
  raw: Uint8Array;
  /** float_data (field 4), when raw_data is absent. */
  floats: number[];
}

export interface ReadNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrNames: string[];
  /** FLOAT attributes (AttributeProto.f), e.g. LayerNormalization's epsilon. */
  floatAttrs: Record<string, number>;
}

export interface ReadValue {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

export interface ReadModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  nodes: ReadNode[];
  initializers: Map<string, ReadTensor>;
  inputs: ReadValue[];
  outputs: ReadValue[];
}

function tensor(b: Uint8Array): ReadTensor {
  const f = decode(b);
  const floats: number[] = [];
  for (const x of all(f, 4)) {
    const dv = new DataView(x.bytes.buffer, x.bytes.byteOffset, x.bytes.byteLength);
    for (let i = 0; i + 4 <= x.bytes.length; i += 4) floats.push(dv.getFloat32(i, true));
  }
  return {
    name: str(f, 8),
    dims: ints(f, 1),
    dataType: int(f, 2),
    raw: all(f, 9)[0]?.bytes ?? new Uint8Array(0),
    floats,
  };
}

function valueInfo(b: Uint8Array): ReadValue {
  const f = decode(b);
  const tensorType = decode(
    decode(all(f, 2)[0].bytes).find((x) => x.no === 1)?.bytes ?? new Uint8Array(0),
  );
  const shape = all(tensorType, 2)[0];
  const dims = shape
    ? all(decode(shape.bytes), 1).map((d) => {
        const df = decode(d.bytes);
        return all(df, 2).length > 0 ? str(df, 2) : int(df, 1);
      })
    : [];
  return { name: str(f, 1), elemType: int(tensorType, 1), dims };
}

export function readOnnx(path: string): ReadModel {
  const file = readFileSync(path);
  const model = decode(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
  const graph = decode(all(model, 7)[0].bytes);
  const nodes = all(graph, 1).map((n) => {
    const f = decode(n.bytes);
    return {
      opType: str(f, 4),
      name: str(f, 3),
      inputs: all(f, 1).map((x) => text(x.bytes)),
      outputs: all(f, 2).map((x) => text(x.bytes)),
      attrNames: all(f, 5).map((a) => str(decode(a.bytes), 1)),
      floatAttrs: Object.fromEntries(
        all(f, 5)
          .map((a) => decode(a.bytes))
          .filter((af) => all(af, 2).length > 0)
          .map((af) => {
            const b = all(af, 2)[0].bytes;
            return [str(af, 1), new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true)];
          }),
      ),
    };
  });
  const initializers = new Map<string, ReadTensor>();
  for (const t of all(graph, 5).map((x) => tensor(x.bytes))) initializers.set(t.name, t);
  return {
    irVersion: int(model, 1),
    opsets: all(model, 8).map((o) => {
      const f = decode(o.bytes);
      return { domain: str(f, 1), version: int(f, 2) };
    }),
    nodes,
    initializers,
    inputs: all(graph, 11).map((x) => valueInfo(x.bytes)),
    outputs: all(graph, 12).map((x) => valueInfo(x.bytes)),
  };
}

/** Float values of a FLOAT initializer as float64. */
export function floatValues(t: ReadTensor): Float64Array {
  if (t.dataType !== 1) throw new Error(`${t.name}: data type ${t.dataType}, expected FLOAT`);
  if (t.raw.length === 0) return Float64Array.from(t.floats);
  const copy = new Uint8Array(t.raw);
  return Float64Array.from(new Float32Array(copy.buffer, 0, copy.length / 4));
}
