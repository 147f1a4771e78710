/**
 * The PostgreSQL engine's tables and pgvector's text form of vectors (see src/store/postgres.ts
 * for the layout and docs/scale-out.md for the SQL to inspect it).
 */
import { sha256 } from "../util/hash.js";

/** Version of the table layout; a store written by another version is refused. */
export const POSTGRES_STORE_FORMAT = 1;

/** pgvector's largest `vector` dimension an HNSW index takes. */
export const HNSW_MAX_DIM = 2000;

export const META = `CREATE TABLE IF NOT EXISTS zeroclip_stores (
  name text PRIMARY KEY,
  id text NOT NULL UNIQUE,
  format integer NOT NULL,
  identity jsonb NOT NULL,
  items_table text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;

export function itemsDdl(table: string, dim: number): string[] {
  const t = `"${table}"`;
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${t} (
      input text COLLATE "C" PRIMARY KEY,
      size bigint NOT NULL,
      mtime_ms double precision,
      sha256 text,
      status text NOT NULL CHECK (status IN ('ok', 'failed')),
      error text,
      code text,
      embedding vector(${dim}),
      indexed_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((status = 'ok') = (embedding IS NOT NULL))
    )`,
    // Inline (not TOASTed): a 512-d vector is 2 KB, just over the TOAST threshold, and exact
    // search reads every one of them.
    `ALTER TABLE ${t} ALTER COLUMN embedding SET STORAGE PLAIN`,
  ];
  if (dim <= HNSW_MAX_DIM) {
    ddl.push(
      `CREATE INDEX IF NOT EXISTS "${table}_hnsw" ON ${t} USING hnsw (embedding vector_cosine_ops)`,
    );
  }
  return ddl;
}

/** Whether the items table has the failure-code column (stores written before codes lack it). */
export function codeColumnQuery(table: string): [string, string[]] {
  return [
    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'code'",
    [table],
  ];
}

/** The table of a store and model: name plus the identity key's first 12 hex digits. */
export function itemsTableName(storeName: string, identityKey: string): string {
  const hex = /^[0-9a-f]{12}/.test(identityKey) ? identityKey : sha256(identityKey);
  return `zeroclip_${storeName}_${hex.slice(0, 12)}`;
}

/** A float32 vector in pgvector's text form (9 significant digits identify a float32). */
export function vectorText(v: Float32Array): string {
  let s = "[";
  for (let i = 0; i < v.length; i++) {
    s += (i ? "," : "") + (Object.is(v[i], -0) ? "-0" : v[i].toPrecision(9));
  }
  return s + "]";
}

/** pgvector's text form back to a Float32Array. */
export function parseVector(text: string): Float32Array {
  const inner = text.slice(1, -1);
  return inner === "" ? new Float32Array(0) : new Float32Array(inner.split(",").map(Number));
}
