/**
 * Minimal protobuf wire-format writer.
 *
 * A message is kept as a flat list of chunks so that large payloads (tensor raw_data) are never
 * copied into one big buffer: a chunk is either bytes already in memory or a `LazyBytes` whose
 * length is known up front and whose content is produced only while the file is being written.
 * Protobuf needs the length of every nested message before its content, which is why lazy
 * chunks must declare their length.
 */
import { open } from "node:fs/promises";

export interface LazyBytes {
  readonly length: number;
  produce(): Uint8Array;
}

export type Chunk = Uint8Array | LazyBytes;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

function isBytes(c: Chunk): c is Uint8Array {
  return c instanceof Uint8Array;
}

/** Appends the varint encoding of `value` (negative numbers as 64-bit two's complement). */
function pushVarint(out: number[], value: number | bigint): void {
  if (typeof value === "number" && value >= 0 && value <= 0x7fffffff) {
    let v = value;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return;
  }
  let v = BigInt.asUintN(64, BigInt(value));
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** A protobuf message under construction. */
export class Msg {
  readonly chunks: Chunk[] = [];
  private small: number[] = [];
  private flushedLength = 0;

  get length(): number {
    return this.flushedLength + this.small.length;
  }

  private tag(field: number, wire: number): void {
    pushVarint(this.small, (field << 3) | wire);
  }

  private flushSmall(): void {
    if (this.small.length > 0) {
      this.chunks.push(Uint8Array.from(this.small));
      this.flushedLength += this.small.length;
      this.small = [];
    }
  }

  private pushChunk(c: Chunk): void {
    this.flushSmall();
    if (c.length === 0) return;
    this.chunks.push(c);
    this.flushedLength += c.length;
  }

  /** int32/int64/enum/bool field (wire type 0). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    pushVarint(this.small, value);
    return this;
  }

  /** float field (wire type 5). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    for (const x of b) this.small.push(x);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** bytes field; large or lazy payloads are kept by reference. */
  bytes(field: number, data: Chunk): this {
    this.tag(field, WIRE_LEN);
    pushVarint(this.small, data.length);
    if (isBytes(data) && data.length < 256) {
      for (const x of data) this.small.push(x);
    } else {
      this.pushChunk(data);
    }
    return this;
  }

  /** Embedded message field. `msg` must be complete: its chunks are taken by reference. */
  message(field: number, msg: Msg): this {
    msg.flushSmall();
    this.tag(field, WIRE_LEN);
    pushVarint(this.small, msg.length);
    for (const c of msg.chunks) this.pushChunk(c);
    return this;
  }

  /** All chunks, in order (finalises pending small bytes). */
  finish(): Chunk[] {
    this.flushSmall();
    return this.chunks;
  }
}

/** Writes a message to `path`, producing lazy chunks one at a time. Returns the byte count. */
export async function writeMsg(path: string, msg: Msg): Promise<number> {
  const chunks = msg.finish();
  const fh = await open(path, "w");
  const staging = Buffer.allocUnsafe(1 << 22);
  let staged = 0;
  let total = 0;
  const flush = async () => {
    if (staged > 0) await fh.write(staging, 0, staged);
    staged = 0;
  };
  try {
    for (const c of chunks) {
      const data = isBytes(c) ? c : c.produce();
      if (data.length !== c.length) {
        throw new Error(`lazy chunk produced ${data.length} bytes, declared ${c.length}`);
      }
      total += data.length;
      if (data.length >= staging.length / 4) {
        await flush();
        await fh.write(data, 0, data.length);
      } else {
        if (staged + data.length > staging.length) await flush();
        staging.set(data, staged);
        staged += data.length;
      }
    }
    await flush();
  } finally {
    await fh.close();
  }
  return total;
}

/** Concatenates all chunks into one buffer (for small messages and tests). */
export function toBytes(msg: Msg): Uint8Array {
  const chunks = msg.finish();
  const out = new Uint8Array(msg.length);
  let off = 0;
  for (const c of chunks) {
    const data = isBytes(c) ? c : c.produce();
    out.set(data, off);
    off += data.length;
  }
  return out;
}
