import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Dtype } from "../model/files.js";
import { textSideIdentity } from "../model/identity.js";
import { writeFileAtomic } from "../util/atomic.js";
import { zeroclipCacheDir } from "../util/cache-dir.js";
import { cacheMaxBytes, capDirectory, touch } from "../util/dir-cap.js";
import { ModelError } from "../util/errors.js";
import { hashKey } from "../util/hash.js";
import { type Aggregate, classEmbeddings, type TextEmbedder } from "./class-embeddings.js";

/** A text embedder that lives in a model directory (ClipModel is one). */
export interface CacheableEmbedder extends TextEmbedder {
  readonly dir: string;
  readonly dtype: Dtype;
}

/** The default class-embedding cache directory: `<zeroclip cache>/class-embeddings`. */
export function defaultClassEmbeddingCacheDir(): string {
  return join(zeroclipCacheDir(), "class-embeddings");
}

const MAGIC = 0x4543435a; // "ZCCE" little-endian
const VERSION = 1;
const HEADER = 16;
/** Bumped when what the key covers changes (2: model files by content, tokenizer config). */
const KEY_VERSION = 2;

/**
 * The cache key of a set of class embeddings: the model's text side by content (text ONNX file,
 * config.json, tokenizer.json, tokenizer_config.json, dtype; see `textSideIdentity`), every
 * class's texts in order, and the aggregate. Undefined when the model's files cannot be read
 * (then nothing is cached).
 */
export async function classEmbeddingKey(
  model: CacheableEmbedder,
  texts: readonly (readonly string[])[],
  aggregate: Aggregate,
): Promise<string | undefined> {
  const identity = await textSideIdentity(model).catch((err: unknown) => {
    if (err instanceof ModelError) return undefined;
    throw err;
  });
  if (!identity) return undefined;
  return hashKey({ key: KEY_VERSION, identity, texts, aggregate });
}

/** Serialize embeddings: a 16-byte header (magic, version, count, dim), then float32 LE rows. */
export function encodeEmbeddings(rows: readonly Float32Array[]): Uint8Array {
  const dim = rows[0]?.length ?? 0;
  const buf = Buffer.alloc(HEADER + rows.length * dim * 4);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(VERSION, 4);
  buf.writeUInt32LE(rows.length, 8);
  buf.writeUInt32LE(dim, 12);
  let o = HEADER;
  for (const r of rows) {
    if (r.length !== dim) throw new RangeError("embeddings of different lengths");
    for (const x of r) {
      buf.writeFloatLE(x, o);
      o += 4;
    }
  }
  return buf;
}

/** Parse what encodeEmbeddings wrote; undefined for anything malformed. */
export function decodeEmbeddings(buf: Uint8Array, count: number): Float32Array[] | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER || b.readUInt32LE(0) !== MAGIC || b.readUInt32LE(4) !== VERSION) {
    return undefined;
  }
  const n = b.readUInt32LE(8);
  const dim = b.readUInt32LE(12);
  if (n !== count || dim === 0 || b.length !== HEADER + n * dim * 4) return undefined;
  return Array.from({ length: n }, (_, i) => {
    const row = new Float32Array(dim);
    for (let j = 0; j < dim; j++) row[j] = b.readFloatLE(HEADER + (i * dim + j) * 4);
    return row;
  });
}

/**
 * classEmbeddings with an on-disk cache: the text encoder runs only when this (model, texts,
 * aggregate) set has not been embedded before. `cache` is true for the default directory or
 * a directory path. A cache that cannot be read or written is reported through `onWarning`
 * and the embeddings are computed as usual.
 */
export async function cachedClassEmbeddings(
  model: CacheableEmbedder,
  texts: readonly (readonly string[])[],
  aggregate: Aggregate,
  cache: true | string,
  onWarning?: (message: string) => void,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const dir = cache === true ? defaultClassEmbeddingCacheDir() : cache;
  const key = await classEmbeddingKey(model, texts, aggregate);
  if (!key) return classEmbeddings(model, texts, aggregate, onProgress, signal);
  const file = join(dir, `${key.slice(0, 40)}.bin`);
  try {
    const hit = decodeEmbeddings(await readFile(file), texts.length);
    if (hit) {
      await touch(file);
      return hit;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      onWarning?.(`cannot read class-embedding cache ${file}: ${(err as Error).message}`);
    }
  }
  const embeddings = await classEmbeddings(model, texts, aggregate, onProgress, signal);
  try {
    await writeFileAtomic(file, encodeEmbeddings(embeddings));
    // Bounded: the least recently used sets go first (see util/dir-cap.ts).
    await capDirectory(dir, cacheMaxBytes(), [basename(file)]);
  } catch (err) {
    onWarning?.(`cannot write class-embedding cache ${file}: ${(err as Error).message}`);
  }
  return embeddings;
}
