/**
 * Reads named scalar initializers (SigLIP's `logit_scale` and `logit_bias`) from an ONNX file
 * without running it or loading it: a scan of the protobuf that reads only field headers and
 * small tensors, seeking past everything else (an 800 MB `model.onnx` costs a few hundred small
 * reads, local or over HTTP Range requests). Only the parts of ModelProto → GraphProto → TensorProto needed here are understood.
 */
import { type FileHandle, open } from "node:fs/promises";
import { ModelError, ZeroclipError } from "../util/errors.js";

// Field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_INT32_DATA = 5;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_DOUBLE_DATA = 10;
// TensorProto.DataType values.
const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;

/** Tensors larger than this are weights, never scalars: skipped without reading. */
const SMALL_TENSOR = 1024;
const CHUNK = 1 << 16;

/**
 * Random access to the bytes of an ONNX file: a local file, or a remote one read with HTTP Range
 * requests (model/hub/remote-ranges.ts). One scanner serves both.
 */
export interface ByteRanges {
  /** Total bytes. */
  readonly size: number;
  /** `length` bytes at `pos` (fewer only at the end). */
  read(pos: number, length: number): Promise<Uint8Array>;
}

/**
 * Reads through a window of at least CHUNK bytes, so the headers of consecutive small fields
 * cost one read (one request over HTTP); a large field is seeked over, never read.
 */
class Window {
  private buf: Uint8Array = new Uint8Array(0);
  private at = 0;

  constructor(private readonly src: ByteRanges) {}

  get size(): number {
    return this.src.size;
  }

  /** `n` bytes at `pos` (fewer only at the end of the file). */
  async bytes(pos: number, n: number): Promise<Uint8Array> {
    if (pos >= this.at && pos + n <= this.at + this.buf.length) {
      return this.buf.subarray(pos - this.at, pos - this.at + n);
    }
    const len = Math.min(Math.max(n, CHUNK), this.size - pos);
    this.buf = len > 0 ? await this.src.read(pos, len) : new Uint8Array(0);
    this.at = pos;
    return this.buf.subarray(0, Math.min(n, this.buf.length));
  }
}

/** A local file as ByteRanges. */
function fileRanges(fh: FileHandle, size: number): ByteRanges {
  return {
    size,
    read: async (pos, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, pos);
      return buf.subarray(0, bytesRead);
    },
  };
}

/** A varint at `pos` in `buf`: its value (exact below 2^53) and the position after it. */
function varint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    value += (buf[i] & 0x7f) * mul;
    if (buf[i] < 0x80) return [value, i + 1];
    mul *= 128;
  }
  throw new Error("truncated varint");
}

/** Header of one field: number, wire type, and where its payload starts and ends. */
interface Field {
  field: number;
  wire: number;
  start: number;
  end: number;
}

async function fieldAt(src: Window, pos: number): Promise<Field> {
  const head = await src.bytes(pos, 20);
  const [tag, p1] = varint(head, 0);
  const field = Math.floor(tag / 8);
  const wire = tag & 7;
  let start = pos + p1;
  let end: number;
  if (wire === 0) end = pos + varint(head, p1)[1];
  else if (wire === 1) end = start + 8;
  else if (wire === 5) end = start + 4;
  else if (wire === 2) {
    const [len, p2] = varint(head, p1);
    start = pos + p2;
    end = start + len;
  } else throw new Error(`unsupported wire type ${wire}`);
  return { field, wire, start, end };
}

/** A scalar (one-element) tensor's name and value, or undefined for anything else. */
function parseScalar(buf: Uint8Array): { name: string; value: number } | undefined {
  let name = "";
  let type = 0;
  let elements = 1;
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = varint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, p2] = varint(buf, p1);
      if (field === TENSOR_DIMS) elements *= v;
      else if (field === TENSOR_DATA_TYPE) type = v;
      else if (field === TENSOR_INT32_DATA) floats.push(halfToFloat(v));
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = varint(buf, p1);
      const body = buf.subarray(p2, p2 + len);
      if (field === TENSOR_NAME) name = new TextDecoder().decode(body);
      else if (field === TENSOR_RAW_DATA) raw = body;
      else if (field === TENSOR_DIMS) {
        for (let q = 0; q < body.length; ) {
          const [v, n] = varint(body, q);
          elements *= v;
          q = n;
        }
      } else if (field === TENSOR_FLOAT_DATA) {
        for (let q = 0; q + 4 <= body.length; q += 4) floats.push(view(body).getFloat32(q, true));
      } else if (field === TENSOR_DOUBLE_DATA) {
        for (let q = 0; q + 8 <= body.length; q += 8) floats.push(view(body).getFloat64(q, true));
      } else if (field === TENSOR_INT32_DATA) {
        for (let q = 0; q < body.length; ) {
          const [v, n] = varint(body, q);
          floats.push(halfToFloat(v));
          q = n;
        }
      }
      pos = p2 + len;
    } else if (wire === 5) {
      if (field === TENSOR_FLOAT_DATA) floats.push(view(buf).getFloat32(p1, true));
      pos = p1 + 4;
    } else if (wire === 1) {
      if (field === TENSOR_DOUBLE_DATA) floats.push(view(buf).getFloat64(p1, true));
      pos = p1 + 8;
    } else return undefined;
  }
  if (elements !== 1) return undefined;
  if (raw) {
    if (type === FLOAT && raw.length === 4) return { name, value: view(raw).getFloat32(0, true) };
    if (type === DOUBLE && raw.length === 8) return { name, value: view(raw).getFloat64(0, true) };
    if (type === FLOAT16 && raw.length === 2) {
      return { name, value: halfToFloat(view(raw).getUint16(0, true)) };
    }
    return undefined;
  }
  // float16 values live in int32_data; float and double in their own fields.
  if (floats.length === 1 && (type === FLOAT || type === DOUBLE || type === FLOAT16)) {
    return { name, value: floats[0] };
  }
  return undefined;
}

/** IEEE half-precision bits to a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * The values of the scalar initializers named in `names` found in `file` (a name that is absent,
 * or not a one-element float tensor, is missing from the result). Throws ModelError when the
 * file cannot be read or is not an ONNX model.
 */
export async function readScalarInitializers(
  file: string,
  names: readonly string[],
): Promise<Map<string, number>> {
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch (err) {
    throw new ModelError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return await scanScalarInitializers(fileRanges(fh, (await fh.stat()).size), names, file);
  } finally {
    await fh.close();
  }
}

/**
 * As readScalarInitializers, over any ByteRanges (`where` names it in errors). Errors of the
 * source itself (a ZeroclipError, e.g. a failed request) pass through unchanged.
 */
export async function scanScalarInitializers(
  ranges: ByteRanges,
  names: readonly string[],
  where: string,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const src = new Window(ranges);
  const wanted = new Set(names);
  try {
    for (let pos = 0; pos < src.size; ) {
      const f = await fieldAt(src, pos);
      if (f.end > src.size) throw new Error("field past the end of the file");
      if (f.field === MODEL_GRAPH && f.wire === 2) {
        for (let g = f.start; g < f.end && found.size < wanted.size; ) {
          const t = await fieldAt(src, g);
          if (t.end > f.end) throw new Error("field past the end of the graph");
          if (t.field === GRAPH_INITIALIZER && t.wire === 2 && t.end - t.start <= SMALL_TENSOR) {
            const scalar = parseScalar(await src.bytes(t.start, t.end - t.start));
            if (scalar && wanted.has(scalar.name)) found.set(scalar.name, scalar.value);
          }
          g = t.end;
        }
        break;
      }
      pos = f.end;
    }
  } catch (err) {
    if (err instanceof ZeroclipError) throw err;
    throw new ModelError(`${where} is not a readable ONNX model: ${(err as Error).message}`);
  }
  return found;
}
