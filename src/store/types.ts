/**
 * The store interface: what `index`, `search`, `classify --store` and `eval --store` need from a
 * place that keeps image embeddings. Two engines implement it: the embedded `SqliteStore` (a
 * single SQLite file) and `PostgresStore` (PostgreSQL + pgvector, for many machines: one table
 * per model, `vector(dim)`, upserts in one transaction, `ORDER BY embedding <=> $1 LIMIT k`).
 *
 * Every method is async so that a networked engine fits; every write is one transaction.
 */

import type { ModelFileIdentity } from "../model/identity.js";
import type { ErrorCode } from "../util/error-codes.js";

/**
 * What makes two runs' embeddings comparable: the model's content (its ONNX files and configs,
 * hashed, so the same hub model on two machines agrees wherever its directory is), the dtype,
 * the dimension and the preprocessing. Recorded in the store when it is created.
 */
export interface StoreIdentity {
  /** SHA-256 (hex) over every field below except `model`: the one value that must match. */
  key: string;
  /** The model as the indexing run named it (hub repo id or directory), used as a default. */
  model: string;
  dtype: string;
  /** Embedding dimension. */
  dim: number;
  vision: ModelFileIdentity;
  text: ModelFileIdentity;
  /** SHA-256 of config.json and of preprocessor_config.json. */
  configs: { config: string; preprocessor: string };
  /** EXIF orientation applied when decoding (images queries use the store's setting). */
  exifOrientation: boolean;
  /** Version of zeroclip's decode + resize + normalize code (PREPROCESS_VERSION). */
  preprocessVersion: number;
  /**
   * SHA-256 of tokenizer.json and tokenizer_config.json (null when absent): text queries go
   * through them. Absent in stores made before it was recorded (compared without it then).
   */
  tokenizer?: { tokenizer: string; tokenizerConfig: string | null };
  /**
   * The model family when it is not CLIP ("siglip", "siglip2"); absent for CLIP, so that the
   * keys of stores made before families existed stay valid.
   */
  family?: string;
}

/** How an input was when it was indexed: what "unchanged" is decided on. */
export interface SourceState {
  /** Absolute file path, or the URL as given. */
  input: string;
  /** Bytes (0 when the input could not be read). */
  size: number;
  /** File modification time in ms since the epoch; null for URLs. */
  mtimeMs: number | null;
  /** SHA-256 (hex) of the bytes; null when they could not be read. */
  sha256: string | null;
}

/** One input to write: its embedding (L2-normalized), or the error that stopped it. */
export type StoreItem = SourceState &
  (
    | { status: "ok"; embedding: Float32Array; error?: undefined }
    | { status: "failed"; error: string; code?: ErrorCode; embedding?: undefined }
  );

/** What `list` tells of a stored input (no embedding). */
export interface StoredInfo extends SourceState {
  status: "ok" | "failed";
  /** The one-line error of a failed input. */
  error?: string;
  /** Its stable code (absent for a failure stored before codes were kept). */
  code?: ErrorCode;
}

/** A stored embedding. */
export interface StoredEmbedding {
  input: string;
  embedding: Float32Array;
}

/** A search hit: the stored input and its cosine similarity to the query. */
export interface Neighbour {
  input: string;
  score: number;
}

export interface StoreCounts {
  /** Inputs with an embedding. */
  ok: number;
  /** Inputs whose last attempt failed (they are retried by the next `index` run). */
  failed: number;
}

/** Paging for `list` and `embeddings`: rows ordered by input (code point order). */
export interface PageOptions {
  /** Rows per page (default 1024). */
  pageSize?: number;
  /** Only inputs that start with one of these prefixes (a folder path ending in "/", a URL). */
  prefixes?: readonly string[];
}

/** How `nearest` may search. */
export interface NearestOptions {
  /**
   * Allow an approximate answer from an index (PostgreSQL: pgvector's HNSW index), faster on
   * large stores but not guaranteed to find the exact top k. Default false: exact search. An
   * engine without an approximate index answers exactly.
   */
  approximate?: boolean;
  /**
   * With `approximate`: the HNSW candidate list size (pgvector's `hnsw.ef_search`, default 40;
   * raised to at least k). Larger is slower and closer to exact.
   */
  efSearch?: number;
}

/** A store of image embeddings for one model. */
export interface VectorStore {
  /** Where the store is (a file path or a URL without credentials). */
  readonly location: string;
  /** The identity recorded when the store was created, or undefined for a new, empty store. */
  identity(): Promise<StoreIdentity | undefined>;
  /**
   * Record the identity of a new store, or check it against the recorded one: a different
   * `key` or dimension throws `ModelError` (embeddings of two models are never mixed).
   */
  bind(identity: StoreIdentity): Promise<void>;
  /**
   * Insert or replace items by input, all in one transaction (a killed writer leaves all of
   * them or none). Embeddings must have the bound identity's dimension.
   */
  put(items: readonly StoreItem[]): Promise<void>;
  /** Remove inputs (one transaction); returns how many were there. */
  delete(inputs: readonly string[]): Promise<number>;
  /** Every stored input's state, page by page, ordered by input. */
  list(opts?: PageOptions): AsyncIterable<StoredInfo[]>;
  /** Every stored embedding (status ok), page by page, ordered by input. */
  embeddings(opts?: PageOptions): AsyncIterable<StoredEmbedding[]>;
  /** The stored embeddings of these inputs (missing and failed inputs are left out). */
  get(inputs: readonly string[]): Promise<Map<string, Float32Array>>;
  counts(): Promise<StoreCounts>;
  /**
   * The `k` stored embeddings with the highest cosine similarity to `query` (exact search over
   * every stored embedding unless `opts.approximate`), best first; ties keep the input order.
   */
  nearest(query: Float32Array, k: number, opts?: NearestOptions): Promise<Neighbour[]>;
  close(): Promise<void>;
}
