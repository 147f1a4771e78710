/**
 * A small reader and writer for the safetensors format (Hugging Face), enough for zeroclip's
 * adapter files; Python's `safetensors` reads what this writes and the other way round.
 *
 * Layout: an unsigned 64-bit little-endian header length N, then N bytes of UTF-8 JSON (an
 * object: tensor name → `{"dtype", "shape", "data_offsets": [begin, end]}`, plus an optional
 * `"__metadata__"` map of strings to strings), then the data buffer. Offsets are relative to the
 * start of the buffer; the tensors, sorted by offset, tile it exactly (no gaps, no overlap, no
 * trailing bytes); each holds `product(shape) × dtype size` bytes, row-major, little-endian.
 *
 * Written as the reference library writes: tensors ordered by dtype size (largest first, so every
 * tensor stays aligned to its element size) then by name, the header padded with spaces to a
 * multiple of 8 bytes.
 *
 * No JavaScript library for the format is both maintained and able to write (see
 * docs/few-shot.md), so this one is ours; its byte layout is tested against hand-built files.
 */
import { UsageError } from "./errors.js";

/** The element types supported here (a subset of the format's). */
export type SafetensorsDtype = "F64" | "F32" | "I64" | "I32" | "U8";

/** The typed array that holds each dtype's values. */
export interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  I64: BigInt64Array;
  I32: Int32Array;
  U8: Uint8Array;
}

export type TensorData = DtypeArrays[SafetensorsDtype];

export interface Tensor {
  dtype: SafetensorsDtype;
  /** Row-major shape; `[]` is a scalar. */
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map (empty when the file has none). */
  metadata: Record<string, string>;
}

const SIZES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, I64: 8, I32: 4, U8: 1 };

/** The reference implementation refuses headers over 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

function isDtype(v: unknown): v is SafetensorsDtype {
  return typeof v === "string" && Object.hasOwn(SIZES, v);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function expectedArray(dtype: SafetensorsDtype, data: TensorData): boolean {
  switch (dtype) {
    case "F64":
      return data instanceof Float64Array;
    case "F32":
      return data instanceof Float32Array;
    case "I64":
      return data instanceof BigInt64Array;
    case "I32":
      return data instanceof Int32Array;
    case "U8":
      return data instanceof Uint8Array;
  }
}

/** Serialize tensors and string metadata to the bytes of a .safetensors file. */
export function encodeSafetensors(
  tensors: Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const d = SIZES[tensors[b].dtype] - SIZES[tensors[a].dtype];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const name of names) {
    if (name === "__metadata__") throw new RangeError("a tensor cannot be named __metadata__");
    const t = tensors[name];
    if (!isDtype(t.dtype)) throw new RangeError(`tensor ${name}: unsupported dtype ${t.dtype}`);
    if (!expectedArray(t.dtype, t.data)) {
      throw new RangeError(`tensor ${name}: data is not the typed array of ${t.dtype}`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new RangeError(`tensor ${name}: bad shape ${JSON.stringify(t.shape)}`);
    }
    if (elementCount(t.shape) !== t.data.length) {
      throw new RangeError(
        `tensor ${name}: shape ${JSON.stringify(t.shape)} needs ${elementCount(t.shape)} values, has ${t.data.length}`,
      );
    }
    const bytes = t.data.length * SIZES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new RangeError(`metadata ${k} must be a string`);
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > json.length) {
    json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  }
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 8 + json.length;
  for (const name of names) {
    const t = tensors[name];
    writeValues(view, at, t.dtype, t.data);
    at += t.data.length * SIZES[t.dtype];
  }
  return out;
}

function writeValues(view: DataView, at: number, dtype: SafetensorsDtype, data: TensorData): void {
  const n = data.length;
  switch (dtype) {
    case "F64":
      for (let i = 0; i < n; i++) view.setFloat64(at + 8 * i, (data as Float64Array)[i], true);
      return;
    case "F32":
      for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, (data as Float32Array)[i], true);
      return;
    case "I64":
      for (let i = 0; i < n; i++) view.setBigInt64(at + 8 * i, (data as BigInt64Array)[i], true);
      return;
    case "I32":
      for (let i = 0; i < n; i++) view.setInt32(at + 4 * i, (data as Int32Array)[i], true);
      return;
    case "U8":
      for (let i = 0; i < n; i++) view.setUint8(at + i, (data as Uint8Array)[i]);
      return;
  }
}

function readValues(view: DataView, at: number, dtype: SafetensorsDtype, n: number): TensorData {
  switch (dtype) {
    case "F64": {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(at + 8 * i, true);
      return a;
    }
    case "F32": {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat32(at + 4 * i, true);
      return a;
    }
    case "I64": {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getBigInt64(at + 8 * i, true);
      return a;
    }
    case "I32": {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt32(at + 4 * i, true);
      return a;
    }
    case "U8": {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getUint8(at + i);
      return a;
    }
  }
}

/**
 * Parse the bytes of a .safetensors file, checking what the reference reader checks: the header
 * fits the file, is a JSON object, every entry is well formed, and the tensors tile the buffer.
 * `name` is used in error messages (UsageError: the file is the user's).
 */
export function decodeSafetensors(bytes: Uint8Array, name = "safetensors file"): SafetensorsFile {
  const bad = (why: string) => new UsageError(`${name} is not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw bad(`header of ${n} bytes is over the 100 MB limit`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    throw bad(`header of ${headerLen} bytes does not fit in ${bytes.length} bytes`);
  }
  const text = new TextDecoder("utf-8", { fatal: true });
  let header: unknown;
  try {
    header = JSON.parse(text.decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw bad(`header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) {
    throw bad("header is not a JSON object");
  }
  const metadata: Record<string, string> = {};
  const entries: {
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    begin: number;
    end: number;
  }[] = [];
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        throw bad("__metadata__ is not a map");
      }
      for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
        if (typeof mv !== "string") throw bad(`__metadata__.${mk} is not a string`);
        metadata[mk] = mv;
      }
      continue;
    }
    const info = value as Record<string, unknown> | null;
    if (!info || typeof info !== "object") throw bad(`entry ${key} is not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (!isDtype(dtype)) throw bad(`tensor ${key} has unsupported dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`tensor ${key} has a bad shape`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw bad(`tensor ${key} has bad data_offsets`);
    }
    entries.push({ name: key, dtype, shape, begin: offsets[0], end: offsets[1] });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected || e.end < e.begin) {
      throw bad(`tensor ${e.name}'s data_offsets leave a gap or overlap`);
    }
    if (e.end - e.begin !== elementCount(e.shape) * SIZES[e.dtype]) {
      throw bad(`tensor ${e.name}'s data_offsets do not match its shape and dtype`);
    }
    expected = e.end;
  }
  const dataStart = 8 + headerLen;
  if (dataStart + expected !== bytes.length) {
    throw bad(`the tensors hold ${expected} bytes but the buffer has ${bytes.length - dataStart}`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    tensors[e.name] = {
      dtype: e.dtype,
      shape: e.shape,
      data: readValues(view, dataStart + e.begin, e.dtype, elementCount(e.shape)),
    };
  }
  return { tensors, metadata };
}
