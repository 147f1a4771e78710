/**
 * Where a PostgreSQL store is: a `postgres://` / `postgresql://` connection string (anything
 * libpq and `pg` accept: user, password, host, port, database, `sslmode`, `options`, `host=` for
 * a Unix socket), plus zeroclip's own `store=NAME` parameter (default `default`) that names the
 * store, so one database can hold several stores (one model each). Passwords never leave this
 * module in clear: `location` and every error message are redacted.
 */
import pg from "pg";
import { NetworkError, UsageError } from "../util/errors.js";
import { redactUrl, scrub, urlSecrets } from "../util/redact.js";

/** A parsed store location. */
export interface PostgresLocation {
  /** The connection string for `pg`, without zeroclip's `store` parameter. */
  connectionString: string;
  /** The store's name (`store=` parameter): lower-case letters, digits and `_`. */
  name: string;
  /** The location as given, its password shown as `***`: the form to print. */
  location: string;
  /** Passwords the connection string holds, scrubbed from every error message. */
  secrets: string[];
}

/** Default store name when the URL has no `store=` parameter. */
export const DEFAULT_STORE_NAME = "default";
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Parse a `postgres://` store location (see the module comment). */
export function parsePostgresLocation(url: string): PostgresLocation {
  const location = redactUrl(url);
  const q = url.indexOf("?");
  const base = q < 0 ? url : url.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  const name = params.get("store") ?? DEFAULT_STORE_NAME;
  if (!NAME.test(name)) {
    throw new UsageError(
      `store name ${JSON.stringify(name)} in ${location}: use 1–40 lower-case letters, digits ` +
        "or _, starting with a letter",
    );
  }
  // Keep every other parameter exactly as written (sslmode, options, host, …).
  const rest =
    q < 0
      ? []
      : url
          .slice(q + 1)
          .split("&")
          .filter((p) => p && !/^store=/.test(p));
  const connectionString = rest.length > 0 ? `${base}?${rest.join("&")}` : base;
  return { connectionString, name, location, secrets: urlSecrets(url) };
}

/** Error codes of a server or network that cannot be reached (or went away). */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/**
 * A `pg` error as zeroclip's typed error (network, usage) when a user can fix it, with the
 * location named and every password scrubbed; other errors (bugs, SQL errors) keep their class
 * and stack with the message scrubbed.
 */
export function postgresError(err: unknown, where: PostgresLocation): Error {
  if (!(err instanceof Error)) return new Error(scrub(String(err), where.secrets));
  const code = (err as { code?: string }).code ?? "";
  const message = scrub(err.message || code, where.secrets);
  if (err instanceof NetworkError || err instanceof UsageError) return err;
  if (
    UNREACHABLE.has(code) ||
    code.startsWith("08") || // connection exception
    code === "57P01" || // admin shutdown
    // foreign-error-text: pg reports these transport failures without a code
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(
      message,
    )
  ) {
    return new NetworkError(
      `cannot reach the PostgreSQL store ${where.location}: ${message}`,
      "network_unreachable",
    );
  }
  if (code.startsWith("28") || code === "3D000" || code === "42501") {
    // authentication, unknown database, missing privilege
    return new UsageError(`${where.location}: ${message}`, "credentials_refused");
  }
  err.message = message;
  if (err.stack) err.stack = scrub(err.stack, where.secrets);
  return err;
}

/** int8 (bigint) columns as numbers: sizes and counts stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20 && format !== "binary"
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A connection pool for the location; idle-client errors are reported by the next query. */
function createPool(where: PostgresLocation, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: where.connectionString,
    max,
    connectionTimeoutMillis: 15_000,
    idleTimeoutMillis: 30_000,
    application_name: "zeroclip",
    types,
  });
  pool.on("error", () => {});
  return pool;
}

/** Queries and transactions on a pool, with every error through `postgresError`. */
export class PgClient {
  private readonly pool: pg.Pool;

  constructor(
    private readonly where: PostgresLocation,
    maxConnections: number,
  ) {
    this.pool = createPool(where, maxConnections);
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw postgresError(err, this.where);
    }
  }

  /** Run `fn` in one transaction on one connection (rolled back if it throws). */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw postgresError(err, this.where);
    }
    let broken = false;
    try {
      await client.query(begin);
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      // A connection that cannot even roll back is dropped from the pool.
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw postgresError(err, this.where);
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
