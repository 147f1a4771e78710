/**
 * Opening a store by location: a plain path (or `file:` URL) is the embedded SQLite engine;
 * a `postgres://` / `postgresql://` URL is the PostgreSQL + pgvector engine.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../util/errors.js";
import { PostgresStore } from "./postgres.js";
import { SqliteStore } from "./sqlite.js";
import type { VectorStore } from "./types.js";

export interface OpenStoreOptions {
  /** Open for reading only: a missing store is an error instead of being created. */
  readonly?: boolean;
}

/** The URL scheme of a location ("postgres" in postgres://…), or undefined for a plain path. */
export function storeScheme(location: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  return m ? m[1].toLowerCase() : undefined;
}

/** Open the store at `location` (see the module comment). */
export async function openStore(
  location: string,
  opts: OpenStoreOptions = {},
): Promise<VectorStore> {
  const scheme = storeScheme(location);
  if (scheme === undefined) return SqliteStore.open(resolve(location), opts);
  if (scheme === "file") return SqliteStore.open(fileURLToPath(location), opts);
  if (scheme === "postgres" || scheme === "postgresql") return PostgresStore.open(location, opts);
  throw new UsageError(
    `unknown store location ${JSON.stringify(scheme + "://")}: --store takes a file path or a ` +
      "postgres:// URL",
  );
}
