/**
 * An on-disk cache of image embeddings for one model identity: a single append-only binary file
 * (one fixed-size record per image, keyed by the SHA-256 of the image bytes), indexed in memory
 * when opened.
 *
 * File layout (little-endian):
 *   header:  "ZCIMGEMB" | u32 format version | u32 dim | u32 n | n bytes of JSON (the identity)
 *   record:  "ZCR1" | 32-byte SHA-256 | dim × f32 | u32 CRC-32 of the hash and floats
 *
 * Robustness: records are only ever appended, each batch in one write. A record that is torn (a
 * killed run) or garbled (two runs appending at once) fails its magic or CRC; the reader then
 * searches forward for the next record magic, so everything after it is still found. A torn tail
 * is simply ignored. The header is created atomically (written aside, then linked into place).
 */
import { randomBytes } from "node:crypto";
import { appendFile, link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { crc32 } from "../util/crc32.js";

const FILE_MAGIC = Buffer.from("ZCIMGEMB", "latin1");
const RECORD_MAGIC = Buffer.from("ZCR1", "latin1");
const FORMAT_VERSION = 1;
const HASH_BYTES = 32;

/** One cached embedding to add. */
export interface StoreEntry {
  /** SHA-256 of the image bytes (32 bytes, or 64 hex characters). */
  hash: Uint8Array | string;
  embedding: Float32Array;
}

function hashHex(hash: Uint8Array | string): string {
  if (typeof hash === "string") return hash.toLowerCase();
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString("hex");
}

export class ImageEmbeddingStore {
  private readonly index = new Map<string, Float32Array>();
  /** Records skipped while reading (torn or garbled), for diagnostics. */
  skippedBytes = 0;

  private constructor(
    /** The store file. */
    readonly path: string,
    /** What the embeddings were made with (the caller's identity value; see `openImageStore`). */
    readonly identity: unknown,
    private dim: number | undefined,
  ) {}

  /**
   * Open (or prepare to create) the store file at `path`. `identity` is written into a new
   * file's header for people reading it; lookups rely on the file name chosen by the caller.
   */
  static async open(path: string, identity: unknown): Promise<ImageEmbeddingStore> {
    const data = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    const store = new ImageEmbeddingStore(path, identity, undefined);
    if (data) store.load(data);
    return store;
  }

  /** Number of distinct images held. */
  get size(): number {
    return this.index.size;
  }

  /** The embedding dimension, once known. */
  get dimension(): number | undefined {
    return this.dim;
  }

  /** A copy of the cached embedding of the image with this hash, if any. */
  get(hash: Uint8Array | string): Float32Array | undefined {
    return this.index.get(hashHex(hash))?.slice();
  }

  has(hash: Uint8Array | string): boolean {
    return this.index.has(hashHex(hash));
  }

  /** Append embeddings (one write; the file and its header are created on first use). */
  async append(entries: readonly StoreEntry[]): Promise<void> {
    const fresh = entries.filter((e) => !this.index.has(hashHex(e.hash)));
    if (fresh.length === 0) return;
    const dim = fresh[0].embedding.length;
    if (this.dim === undefined) await this.create(dim);
    if (fresh.some((e) => e.embedding.length !== this.dim)) {
      throw new RangeError(`embedding dimension differs from the store's ${this.dim}`);
    }
    const recordSize = recordBytes(this.dim!);
    const out = Buffer.alloc(recordSize * fresh.length);
    fresh.forEach((e, r) => {
      const at = r * recordSize;
      RECORD_MAGIC.copy(out, at);
      const hex = hashHex(e.hash);
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new RangeError(`not a SHA-256: ${hex}`);
      out.write(hex, at + 4, "hex");
      for (let i = 0; i < this.dim!; i++)
        out.writeFloatLE(e.embedding[i], at + 4 + HASH_BYTES + i * 4);
      const body = out.subarray(at + 4, at + recordSize - 4);
      out.writeUInt32LE(crc32(body), at + recordSize - 4);
    });
    await appendFile(this.path, out);
    for (const e of fresh) this.index.set(hashHex(e.hash), e.embedding.slice());
  }

  /** Create the file with its header, unless another run just did. */
  private async create(dim: number): Promise<void> {
    const header = headerBytes(dim, this.identity);
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = join(
      dirname(this.path),
      `.${basename(this.path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
    );
    await writeFile(tmp, header);
    try {
      await link(tmp, this.path);
      this.dim = dim;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // Created meanwhile by another run: take its records; replace it if unusable.
      this.load(await readFile(this.path));
      if (this.dim !== dim) {
        await writeFileAtomic(this.path, header);
        this.index.clear();
        this.dim = dim;
      }
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Index a file's records; an unreadable header leaves the store empty (it is rewritten). */
  private load(data: Buffer): void {
    const header = parseHeader(data);
    if (!header) {
      this.dim = undefined;
      return;
    }
    this.dim = header.dim;
    const size = recordBytes(header.dim);
    let pos = header.length;
    while (pos + size <= data.length) {
      if (data.compare(RECORD_MAGIC, 0, 4, pos, pos + 4) === 0) {
        const body = data.subarray(pos + 4, pos + size - 4);
        if (crc32(body) === data.readUInt32LE(pos + size - 4)) {
          const hex = data.toString("hex", pos + 4, pos + 4 + HASH_BYTES);
          const emb = new Float32Array(header.dim);
          for (let i = 0; i < header.dim; i++) {
            emb[i] = data.readFloatLE(pos + 4 + HASH_BYTES + i * 4);
          }
          this.index.set(hex, emb);
          pos += size;
          continue;
        }
      }
      // Torn or garbled: resynchronise on the next record magic.
      const next = data.indexOf(RECORD_MAGIC, pos + 1);
      this.skippedBytes += (next < 0 ? data.length : next) - pos;
      if (next < 0) return;
      pos = next;
    }
    this.skippedBytes += data.length - pos;
  }
}

function recordBytes(dim: number): number {
  return 4 + HASH_BYTES + dim * 4 + 4;
}

function headerBytes(dim: number, identity: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(identity ?? null), "utf8");
  const out = Buffer.alloc(FILE_MAGIC.length + 12 + json.length);
  FILE_MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(dim, 12);
  out.writeUInt32LE(json.length, 16);
  json.copy(out, 20);
  return out;
}

function parseHeader(data: Buffer): { dim: number; length: number } | undefined {
  if (data.length < 20 || data.compare(FILE_MAGIC, 0, 8, 0, 8) !== 0) return undefined;
  if (data.readUInt32LE(8) !== FORMAT_VERSION) return undefined;
  const dim = data.readUInt32LE(12);
  const length = 20 + data.readUInt32LE(16);
  if (dim === 0 || length > data.length) return undefined;
  return { dim, length };
}
