/**
 * The PostgreSQL + pgvector engine, for stores that many machines write and read
 * (docs/scale-out.md). A database holds any number of named stores (`?store=NAME`, default
 * `default`), each for one model:
 *
 * - `zeroclip_stores(name, id, format, identity, items_table, created_at)`: one row per store,
 *   recording the model identity (JSON), its dimension and the store's table. `id` is a random
 *   UUID: it names the store's job queue, so workers of two stores never mix.
 * - one table per store and model, `zeroclip_<name>_<first 12 hex of the identity key>`:
 *   `input text COLLATE "C" PRIMARY KEY` (so pages come in the embedded engine's order), size,
 *   mtime, SHA-256, status, error, its `code`, `embedding vector(dim)` (stored inline), `indexed_at`, and a
 *   cosine HNSW index (`vector_cosine_ops`).
 *
 * `put` is one `INSERT … ON CONFLICT (input) DO UPDATE` statement (one transaction) that leaves
 * rows whose values are the same untouched, so a replayed shard changes nothing. `nearest` is
 * exact by default (the index disabled for that transaction: a full scan in pgvector's float32
 * distance, then the best k + 8 re-scored in float64, the embedded engine's scores);
 * `{ approximate: true }` lets the HNSW index answer, with `hnsw.ef_search` settable.
 *
 * Vectors travel in pgvector's text form: `[v1,v2,…]`. Each float32 is written with 9
 * significant digits, which identify it exactly, and pgvector prints the shortest form that
 * reads back to the same float32, so embeddings go in and come out bit for bit.
 */
import { randomUUID } from "node:crypto";
import { cosine } from "../math/vector.js";
import type { ErrorCode } from "../util/error-codes.js";
import { ModelError, UsageError } from "../util/errors.js";
import { MARGIN } from "./exact.js";
import { assertSameModel } from "./identity.js";
import { PgClient, type PostgresLocation, parsePostgresLocation } from "./postgres-connection.js";
import {
  codeColumnQuery,
  HNSW_MAX_DIM,
  itemsDdl,
  itemsTableName,
  META,
  POSTGRES_STORE_FORMAT,
  parseVector,
  vectorText,
} from "./postgres-schema.js";
import { prefixRanges } from "./prefix.js";

import type {
  NearestOptions,
  Neighbour,
  PageOptions,
  StoreCounts,
  StoredEmbedding,
  StoredInfo,
  StoreIdentity,
  StoreItem,
  VectorStore,
} from "./types.js";

export {
  itemsTableName,
  POSTGRES_STORE_FORMAT,
  parseVector,
  vectorText,
} from "./postgres-schema.js";

interface StoreRow {
  id: string;
  format: number;
  identity: StoreIdentity;
  items_table: string;
}

interface ItemRow {
  input: string;
  size: number;
  mtime_ms: number | null;
  sha256: string | null;
  status: "ok" | "failed";
  error: string | null;
  code: ErrorCode | null;
}

export interface PostgresStoreOptions {
  /** Open for reading only: a store that does not exist is an error instead of being created. */
  readonly?: boolean;
  /** Connections in the pool (default 4). */
  maxConnections?: number;
}

export class PostgresStore implements VectorStore {
  /** The store's row, once it exists (it never changes after that). */
  private row: StoreRow | undefined;
  private codeColumn: boolean | undefined;

  private constructor(
    /** The URL with its password shown as `***`. */
    readonly location: string,
    private readonly where: PostgresLocation,
    private readonly db: PgClient,
  ) {}

  /** Connect to the store at a `postgres://` URL (see docs/scale-out.md for the parameters). */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const where = parsePostgresLocation(url);
    const store = new PostgresStore(
      where.location,
      where,
      new PgClient(where, opts.maxConnections ?? 4),
    );
    try {
      const row = await store.lookup();
      if (opts.readonly && !row) {
        throw new UsageError(
          `no store "${where.name}" at ${where.location} (create it with \`zeroclip index\`)`,
          "store_not_found",
        );
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** The store's name in its database (the URL's `store=` parameter). */
  get name(): string {
    return this.where.name;
  }

  /** The store's UUID (names its job queue); throws before the store exists (`bind` first). */
  async id(): Promise<string> {
    const row = await this.lookup();
    if (!row)
      throw new UsageError(
        `${this.location} has no store yet: index into it first`,
        "store_not_found",
      );
    return row.id;
  }

  async identity(): Promise<StoreIdentity | undefined> {
    return (await this.lookup())?.identity;
  }

  async bind(identity: StoreIdentity): Promise<void> {
    await this.db.transaction(async (c) => {
      // One creator at a time: concurrent workers binding a new store create it once.
      await c.query("SELECT pg_advisory_xact_lock(hashtext('zeroclip-stores'))");
      const ext = await c.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
      if (ext.rowCount === 0) {
        try {
          await c.query("CREATE EXTENSION IF NOT EXISTS vector");
        } catch (err) {
          throw new UsageError(
            `${this.location}: the pgvector extension is not available (${(err as Error).message}): ` +
              "install pgvector on the server, or have an administrator run CREATE EXTENSION vector",
          );
        }
      }
      await c.query(META);
      const found = await c.query<StoreRow>(
        "SELECT id, format, identity, items_table FROM zeroclip_stores WHERE name = $1",
        [this.where.name],
      );
      if (found.rows[0]) {
        this.checkFormat(found.rows[0]);
        assertSameModel(found.rows[0].identity, identity, this.location);
        this.row = found.rows[0];
        return;
      }
      const table = itemsTableName(this.where.name, identity.key);
      for (const sql of itemsDdl(table, identity.dim)) await c.query(sql);
      this.codeColumn = true;
      const row: StoreRow = {
        id: randomUUID(),
        format: POSTGRES_STORE_FORMAT,
        identity,
        items_table: table,
      };
      await c.query(
        "INSERT INTO zeroclip_stores (name, id, format, identity, items_table) VALUES ($1, $2, $3, $4, $5)",
        [this.where.name, row.id, row.format, JSON.stringify(identity), table],
      );
      this.row = row;
    });
  }

  async put(items: readonly StoreItem[]): Promise<void> {
    if (items.length === 0) return;
    const row = await this.lookup();
    if (!row) throw new Error("put before bind: the store has no model identity yet");
    const dim = row.identity.dim;
    // Last write wins within one call (one statement cannot update a row twice).
    const byInput = new Map<string, StoreItem>();
    for (const it of items) {
      if (it.status === "ok" && it.embedding.length !== dim) {
        throw new ModelError(
          `embedding of ${it.input} has ${it.embedding.length} values, the store holds ${dim}`,
          "model_mismatch",
        );
      }
      byInput.set(it.input, it);
    }
    const rows = [...byInput.values()];
    const t = `"${row.items_table}"`;
    // A store written before failure codes were kept gains the column (old readers ignore it).
    if (!(await this.hasCodeColumn(row.items_table))) {
      await this.db.query(`ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS code text`);
      this.codeColumn = true;
    }
    await this.db.query(
      `INSERT INTO ${t} AS t (input, size, mtime_ms, sha256, status, error, code, embedding)
       SELECT u.input, u.size, u.mtime_ms, u.sha256, u.status, u.error, u.code, u.embedding::vector
       FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[],
                   $7::text[], $8::text[])
         AS u(input, size, mtime_ms, sha256, status, error, embedding, code)
       ON CONFLICT (input) DO UPDATE SET size = EXCLUDED.size, mtime_ms = EXCLUDED.mtime_ms,
         sha256 = EXCLUDED.sha256, status = EXCLUDED.status, error = EXCLUDED.error,
         code = EXCLUDED.code, embedding = EXCLUDED.embedding, indexed_at = now()
       WHERE (t.size, t.mtime_ms, t.sha256, t.status, t.error, t.code, t.embedding)
         IS DISTINCT FROM (EXCLUDED.size, EXCLUDED.mtime_ms, EXCLUDED.sha256, EXCLUDED.status,
                           EXCLUDED.error, EXCLUDED.code, EXCLUDED.embedding)`,
      [
        rows.map((r) => r.input),
        rows.map((r) => r.size),
        rows.map((r) => r.mtimeMs),
        rows.map((r) => r.sha256),
        rows.map((r) => r.status),
        rows.map((r) => (r.status === "failed" ? r.error : null)),
        rows.map((r) => (r.status === "ok" ? vectorText(r.embedding) : null)),
        rows.map((r) => (r.status === "failed" ? (r.code ?? null) : null)),
      ],
    );
  }

  async delete(inputs: readonly string[]): Promise<number> {
    const row = await this.lookup();
    if (!row || inputs.length === 0) return 0;
    const res = await this.db.query(
      `DELETE FROM "${row.items_table}" WHERE input = ANY($1::text[])`,
      [[...inputs]],
    );
    return res.rowCount ?? 0;
  }

  async *list(opts: PageOptions = {}): AsyncIterable<StoredInfo[]> {
    const row = await this.lookup();
    const code = row && (await this.hasCodeColumn(row.items_table)) ? "code" : "NULL AS code";
    const cols = `input, size, mtime_ms, sha256, status, error, ${code}`;
    for await (const rows of this.pages<ItemRow>(cols, "", opts)) {
      yield rows.map((r) => ({
        input: r.input,
        size: r.size,
        mtimeMs: r.mtime_ms,
        sha256: r.sha256,
        status: r.status,
        error: r.error ?? undefined,
        ...(r.code ? { code: r.code } : {}),
      }));
    }
  }

  async *embeddings(opts: PageOptions = {}): AsyncIterable<StoredEmbedding[]> {
    const where = "embedding IS NOT NULL";
    for await (const rows of this.pages<{ input: string; embedding: string }>(
      "input, embedding",
      where,
      opts,
    )) {
      yield rows.map((r) => ({ input: r.input, embedding: parseVector(r.embedding) }));
    }
  }

  async get(inputs: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const row = await this.lookup();
    if (!row) return out;
    for (let i = 0; i < inputs.length; i += 1000) {
      const res = await this.db.query<{ input: string; embedding: string }>(
        `SELECT input, embedding FROM "${row.items_table}"
         WHERE input = ANY($1::text[]) AND embedding IS NOT NULL`,
        [inputs.slice(i, i + 1000)],
      );
      const found = new Map(res.rows.map((r) => [r.input, r.embedding]));
      // In the order asked for, as the embedded engine gives them.
      for (const input of inputs.slice(i, i + 1000)) {
        const e = found.get(input);
        if (e !== undefined) out.set(input, parseVector(e));
      }
    }
    return out;
  }

  async counts(): Promise<StoreCounts> {
    const row = await this.lookup();
    if (!row) return { ok: 0, failed: 0 };
    const res = await this.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM "${row.items_table}" GROUP BY status`,
    );
    const n = (s: string) => res.rows.find((r) => r.status === s)?.n ?? 0;
    return { ok: n("ok"), failed: n("failed") };
  }

  async nearest(query: Float32Array, k: number, opts: NearestOptions = {}): Promise<Neighbour[]> {
    const row = await this.lookup();
    if (!row || k <= 0) return [];
    if (query.length !== row.identity.dim) {
      throw new ModelError(
        `query has ${query.length} values, the store holds ${row.identity.dim}`,
        "model_mismatch",
      );
    }
    const rows = await this.search(row, query, k, opts, "");
    const hits = rows.map((r) => ({
      input: r.input,
      score: cosine(query, parseVector(r.embedding)),
    }));
    hits.sort((a, b) => b.score - a.score || (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
    return hits.slice(0, k);
  }

  /**
   * PostgreSQL's plan for `nearest(query, k, opts)` (EXPLAIN's lines): a sequential scan for
   * exact search, an index scan on the HNSW index for approximate search. For diagnosis.
   */
  async explainNearest(
    query: Float32Array,
    k: number,
    opts: NearestOptions = {},
  ): Promise<string[]> {
    const row = await this.lookup();
    if (!row) return [];
    const rows = await this.search(row, query, k, opts, "EXPLAIN ");
    return rows.map((r) => String((r as unknown as Record<string, unknown>)["QUERY PLAN"]));
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Whether the items table keeps failure codes (a store written before codes does not). */
  private async hasCodeColumn(table: string): Promise<boolean> {
    this.codeColumn ??= (await this.db.query(...codeColumnQuery(table))).rowCount !== 0;
    return this.codeColumn;
  }

  /** The store's row (cached once found), or undefined when the store does not exist yet. */
  private async lookup(): Promise<StoreRow | undefined> {
    if (this.row) return this.row;
    const res = await this.db
      .query<StoreRow>(
        "SELECT id, format, identity, items_table FROM zeroclip_stores WHERE name = $1",
        [this.where.name],
      )
      .catch(async (err: unknown) => {
        // The meta table does not exist yet: a new database.
        if ((err as { code?: string }).code === "42P01") return { rows: [] as StoreRow[] };
        throw err;
      });
    const row = res.rows[0];
    if (row) {
      this.checkFormat(row);
      this.row = row;
    }
    return row;
  }

  /** The nearest-neighbour query (k + MARGIN candidates), in one read-only transaction. */
  private search(
    row: StoreRow,
    query: Float32Array,
    k: number,
    opts: NearestOptions,
    prefix: "" | "EXPLAIN ",
  ): Promise<{ input: string; embedding: string }[]> {
    const want = k + MARGIN;
    const approximate = opts.approximate === true && row.identity.dim <= HNSW_MAX_DIM;
    return this.db.transaction(async (c) => {
      if (approximate) {
        const ef = Math.min(1000, Math.max(opts.efSearch ?? 40, want));
        await c.query("SELECT set_config('hnsw.ef_search', $1, true)", [String(ef)]);
      } else {
        // Exact: the planner must scan every row rather than walk the HNSW graph.
        await c.query("SELECT set_config('enable_indexscan', 'off', true)");
      }
      const order = approximate ? "embedding <=> $1::vector" : "embedding <=> $1::vector, input";
      const res = await c.query<{ input: string; embedding: string }>(
        `${prefix}SELECT input, embedding FROM "${row.items_table}" WHERE embedding IS NOT NULL
         ORDER BY ${order} LIMIT $2`,
        [vectorText(query), want],
      );
      return res.rows;
    }, "BEGIN READ ONLY");
  }

  private checkFormat(row: StoreRow): void {
    if (row.format !== POSTGRES_STORE_FORMAT) {
      throw new UsageError(
        `${this.location} holds a zeroclip store of format ${row.format}; this version reads format ${POSTGRES_STORE_FORMAT}`,
        "store_invalid",
      );
    }
  }

  /** Keyset-paged rows ordered by input (code point order), optionally under input prefixes. */
  private async *pages<T extends { input: string }>(
    columns: string,
    where: string,
    opts: PageOptions,
  ): AsyncIterable<T[]> {
    const row = await this.lookup();
    if (!row) return;
    const pageSize = Math.max(1, opts.pageSize ?? 1024);
    const ranges = opts.prefixes?.length ? prefixRanges(opts.prefixes) : [["", undefined]];
    for (const [lo, hi] of ranges) {
      const conds = [where, "input >= $1", "input > $2", hi === undefined ? "" : "input < $4"];
      const sql = `SELECT ${columns} FROM "${row.items_table}"
        WHERE ${conds.filter(Boolean).join(" AND ")} ORDER BY input LIMIT $3`;
      let after = "";
      for (;;) {
        const params: unknown[] = [lo, after, pageSize];
        if (hi !== undefined) params.push(hi);
        const res = await this.db.query<T>(sql, params);
        if (res.rows.length === 0) break;
        yield res.rows;
        if (res.rows.length < pageSize) break;
        after = res.rows[res.rows.length - 1].input;
      }
    }
  }
}
