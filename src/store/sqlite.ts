/**
 * The embedded engine: one SQLite file (better-sqlite3) holding the store's identity and one row
 * per input (state, status, error and its code, embedding as a little-endian float32 BLOB). SQLite's
 * write-ahead log makes every `put` / `delete` one atomic transaction, so a killed writer
 * (SIGKILL included) leaves each batch entirely written or not at all, and `input` is the
 * primary key, so an input is never stored twice. Exact search runs over an in-memory matrix
 * of the stored embeddings (loaded on the first query, reloaded after any commit) with usearch's
 * SIMD brute-force kernel; see docs/index.md for why this engine was chosen.
 */
import { mkdirSync } from "node:fs";
import { endianness } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ErrorCode } from "../util/error-codes.js";
import { ModelError, UsageError } from "../util/errors.js";
import { exactTopK } from "./exact.js";
import { assertSameModel } from "./identity.js";
import { prefixRanges } from "./prefix.js";
import type {
  Neighbour,
  PageOptions,
  SourceState,
  StoreCounts,
  StoredEmbedding,
  StoredInfo,
  StoreIdentity,
  StoreItem,
  VectorStore,
} from "./types.js";

export { prefixRanges } from "./prefix.js";

/** Version of the file layout below; a store written by another version is refused. */
export const SQLITE_STORE_FORMAT = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
  id INTEGER PRIMARY KEY,
  input TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ms REAL,
  sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  error TEXT,
  code TEXT,
  embedding BLOB,
  indexed_at TEXT NOT NULL,
  CHECK ((status = 'ok') = (embedding IS NOT NULL))
);`;

interface Row {
  input: string;
  size: number;
  mtime_ms: number | null;
  sha256: string | null;
  status: "ok" | "failed";
  error: string | null;
  code: ErrorCode | null;
}

/** Float32Array memory is in the platform's byte order; blobs are little-endian. */
const LITTLE_ENDIAN = endianness() === "LE";

function toBlob(e: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength));
  const out = Buffer.alloc(e.length * 4);
  for (let i = 0; i < e.length; i++) out.writeFloatLE(e[i], i * 4);
  return out;
}

/** Decode a blob into `out` at float offset `at` (a new array when `out` is not given). */
function fromBlob(b: Buffer, out = new Float32Array(b.length / 4), at = 0): Float32Array {
  if (LITTLE_ENDIAN) b.copy(new Uint8Array(out.buffer, out.byteOffset), at * 4);
  else for (let i = 0; i < b.length / 4; i++) out[at + i] = b.readFloatLE(i * 4);
  return out;
}

/** The matrix of stored embeddings that exact search scans, and the input of each row. */
interface Matrix {
  version: string;
  inputs: string[];
  data: Float32Array;
}

export class SqliteStore implements VectorStore {
  private matrix: Matrix | undefined;
  private writes = 0;

  private constructor(
    readonly location: string,
    private readonly db: Database.Database,
    /** False for an older store opened read-only (its failures have no stored code). */
    private readonly hasCode: boolean,
  ) {}

  /** Open (or create, unless `readonly`) the store file at `path`. */
  static open(path: string, opts: { readonly?: boolean } = {}): SqliteStore {
    let db: Database.Database;
    try {
      if (!opts.readonly) mkdirSync(dirname(path), { recursive: true });
      const readonly = opts.readonly === true;
      db = new Database(path, { readonly, fileMustExist: readonly });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (opts.readonly && code === "SQLITE_CANTOPEN") {
        throw new UsageError(
          `no store at ${path} (create it with \`zeroclip index\`)`,
          "store_not_found",
        );
      }
      throw new UsageError(`cannot open the store ${path}: ${(err as Error).message}`);
    }
    try {
      db.pragma("busy_timeout = 10000");
      if (!opts.readonly) {
        db.pragma("journal_mode = WAL");
        // WAL + NORMAL: a killed process loses nothing committed; a power cut may lose the last
        // transactions but never corrupts the file.
        db.pragma("synchronous = NORMAL");
        db.exec(SCHEMA);
        // Stores written before failure codes were kept gain the column (old readers ignore it).
        if (!hasColumn(db, "items", "code")) db.exec("ALTER TABLE items ADD COLUMN code TEXT");
        db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?)").run(
          String(SQLITE_STORE_FORMAT),
        );
      }
      const format = (
        db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as
          | { value: string }
          | undefined
      )?.value;
      if (format !== String(SQLITE_STORE_FORMAT)) {
        throw new UsageError(
          `${path} is not a zeroclip store of format ${SQLITE_STORE_FORMAT} (found ${format ?? "none"})`,
          "store_invalid",
        );
      }
    } catch (err) {
      db.close();
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `${path} is not a zeroclip store: ${(err as Error).message}`,
        "store_invalid",
      );
    }
    return new SqliteStore(path, db, hasColumn(db, "items", "code"));
  }

  async identity(): Promise<StoreIdentity | undefined> {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as StoreIdentity) : undefined;
  }

  async bind(identity: StoreIdentity): Promise<void> {
    const bindTx = this.db.transaction(() => {
      const row = this.db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as
        | { value: string }
        | undefined;
      if (!row) {
        this.db
          .prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)")
          .run(JSON.stringify(identity));
        return;
      }
      assertSameModel(JSON.parse(row.value) as StoreIdentity, identity, this.location);
    });
    bindTx.immediate();
  }

  async put(items: readonly StoreItem[]): Promise<void> {
    if (items.length === 0) return;
    const identity = await this.identity();
    if (!identity) throw new Error("put before bind: the store has no model identity yet");
    for (const it of items) {
      if (it.status === "ok" && it.embedding.length !== identity.dim) {
        throw new ModelError(
          `embedding of ${it.input} has ${it.embedding.length} values, the store holds ${identity.dim}`,
          "model_mismatch",
        );
      }
    }
    const upsert = this.db.prepare(
      `INSERT INTO items (input, size, mtime_ms, sha256, status, error, code, embedding, indexed_at)
       VALUES (@input, @size, @mtime_ms, @sha256, @status, @error, @code, @embedding, @at)
       ON CONFLICT (input) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
         sha256 = excluded.sha256, status = excluded.status, error = excluded.error,
         code = excluded.code, embedding = excluded.embedding, indexed_at = excluded.indexed_at`,
    );
    const at = new Date().toISOString();
    this.db.transaction(() => {
      for (const it of items) {
        upsert.run({
          input: it.input,
          size: it.size,
          mtime_ms: it.mtimeMs,
          sha256: it.sha256,
          status: it.status,
          error: it.status === "failed" ? it.error : null,
          code: it.status === "failed" ? (it.code ?? null) : null,
          embedding: it.status === "ok" ? toBlob(it.embedding) : null,
          at,
        });
      }
    })();
    this.writes++;
  }

  async delete(inputs: readonly string[]): Promise<number> {
    const del = this.db.prepare("DELETE FROM items WHERE input = ?");
    let n = 0;
    this.db.transaction(() => {
      for (const input of inputs) n += del.run(input).changes;
    })();
    this.writes++;
    return n;
  }

  async *list(opts: PageOptions = {}): AsyncIterable<StoredInfo[]> {
    const select = `input, size, mtime_ms, sha256, status, error, ${this.hasCode ? "code" : "NULL AS code"}`;
    for (const rows of this.pages<Row>(select, "", opts)) {
      yield rows.map((r) => ({
        ...state(r),
        status: r.status,
        error: r.error ?? undefined,
        ...(r.code ? { code: r.code } : {}),
      }));
    }
  }

  async *embeddings(opts: PageOptions = {}): AsyncIterable<StoredEmbedding[]> {
    for (const rows of this.pages<{ input: string; embedding: Buffer }>(
      "input, embedding",
      "status = 'ok'",
      opts,
    )) {
      yield rows.map((r) => ({ input: r.input, embedding: fromBlob(r.embedding) }));
    }
  }

  async get(inputs: readonly string[]): Promise<Map<string, Float32Array>> {
    const sel = this.db.prepare(
      "SELECT embedding FROM items WHERE input = ? AND status = 'ok'",
    ) as Database.Statement<[string], { embedding: Buffer }>;
    const out = new Map<string, Float32Array>();
    for (const input of inputs) {
      const row = sel.get(input);
      if (row) out.set(input, fromBlob(row.embedding));
    }
    return out;
  }

  async counts(): Promise<StoreCounts> {
    const rows = this.db
      .prepare("SELECT status, COUNT(*) AS n FROM items GROUP BY status")
      .all() as { status: string; n: number }[];
    const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
    return { ok: n("ok"), failed: n("failed") };
  }

  async nearest(query: Float32Array, k: number): Promise<Neighbour[]> {
    const m = this.loadMatrix();
    const identity = await this.identity();
    if (identity && query.length !== identity.dim) {
      throw new ModelError(
        `query has ${query.length} values, the store holds ${identity.dim}`,
        "model_mismatch",
      );
    }
    return exactTopK(m.data, m.inputs.length, query, k).map(({ row, score }) => ({
      input: m.inputs[row],
      score,
    }));
  }

  async close(): Promise<void> {
    this.matrix = undefined;
    if (this.db.open) this.db.close();
  }

  /** Keyset-paged rows ordered by input, optionally limited to input prefixes. */
  private *pages<T>(columns: string, where: string, opts: PageOptions): Generator<T[]> {
    const pageSize = Math.max(1, opts.pageSize ?? 1024);
    const ranges = opts.prefixes?.length ? prefixRanges(opts.prefixes) : [["", undefined]];
    for (const [lo, hi] of ranges) {
      const conds = [where, "input >= @lo", "input > @after", hi === undefined ? "" : "input < @hi"]
        .filter(Boolean)
        .join(" AND ");
      const stmt = this.db.prepare(
        `SELECT ${columns} FROM items WHERE ${conds} ORDER BY input LIMIT @limit`,
      );
      let after = "";
      for (;;) {
        const params: Record<string, unknown> = { lo, after, limit: pageSize };
        if (hi !== undefined) params.hi = hi;
        const rows = stmt.all(params) as (T & { input: string })[];
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < pageSize) break;
        after = rows[rows.length - 1].input;
      }
    }
  }

  /** The matrix of all stored embeddings, reloaded when any connection committed since. */
  private loadMatrix(): Matrix {
    const version = `${this.db.pragma("data_version", { simple: true })}:${this.writes}`;
    if (this.matrix?.version === version) return this.matrix;
    const rows = this.db
      .prepare("SELECT input, embedding FROM items WHERE status = 'ok' ORDER BY id")
      .all() as { input: string; embedding: Buffer }[];
    const dim = rows.length > 0 ? rows[0].embedding.length / 4 : 0;
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => {
      fromBlob(r.embedding, data, i * dim);
    });
    this.matrix = { version, inputs: rows.map((r) => r.input), data };
    return this.matrix;
  }
}

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  const cols = db.pragma(`table_info(${table})`) as { name: string }[];
  return cols.some((c) => c.name === column);
}

function state(r: Row): SourceState {
  return { input: r.input, size: r.size, mtimeMs: r.mtime_ms, sha256: r.sha256 };
}
