/**
 * A PostgreSQL server with pgvector for tests and local trials: PGlite (PostgreSQL compiled to
 * WebAssembly) with the real pgvector extension, served over the PostgreSQL wire protocol by
 * pglite-socket's connection handler, in a child process of its own (so its single thread does
 * not compete with the test's). The `pg` client and the SQL are what a real server gets.
 *
 * One fix over pglite-socket's own server: PGlite has a single session, and pglite-socket's
 * multiplexer interleaves clients message by message. Two clients sending parameterized queries
 * at once (the extended protocol: Parse, Bind, Execute, Sync) then overwrite each other's
 * unnamed statement, and a query answers another client's rows. `ProtocolQueue` below keeps a
 * client's messages together up to its Sync (or simple Query), and keeps a client that is inside
 * a transaction in charge until it leaves it: clients take turns transaction by transaction, as
 * with a serializable real server. A client that disconnects mid-transaction is rolled back.
 *
 * As a script: `node dist/test/support/pg-server.js [--port N] [--db DIR]` prints
 * `listening postgres://postgres@127.0.0.1:N/postgres` and serves until SIGTERM / SIGINT (or,
 * with `--exit-with-stdin`, until its stdin closes: how `startPgServer` makes sure the server
 * never outlives the test process).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { PGlite } from "@electric-sql/pglite";
import { repoRoot } from "./paths.js";

/** One client message waiting for its turn. */
interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

/** Message types after which a client's exchange is complete (startup messages have type 0). */
const BOUNDARIES = new Set(["Q", "S", "X", "p"].map((c) => c.charCodeAt(0)).concat(0));
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** The query queue pglite-socket's handler calls (same methods as its own QueryQueueManager). */
export class ProtocolQueue {
  private queue: Pending[] = [];
  private running = false;
  /** The client whose exchange or transaction is open: only its messages run until it ends. */
  private holder: number | null = null;
  /** Whether the holder is between the messages of an extended-protocol exchange. */
  private midExchange = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (d: Uint8Array) => void) {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.pump();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((p) => {
      if (p.handlerId !== handlerId) return true;
      p.reject(new Error("client disconnected"));
      return false;
    });
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.holder !== handlerId) return;
    // (exec takes PGlite's lock itself; raw protocol calls do not.)
    if (this.midExchange) await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC));
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.holder = null;
    this.midExchange = false;
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const at =
          this.holder === null ? 0 : this.queue.findIndex((p) => p.handlerId === this.holder);
        if (at < 0 || at >= this.queue.length) break;
        const [item] = this.queue.splice(at, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (d: Uint8Array) => {
                bytes += d.length;
                item.onData(d);
              },
            }),
          );
          item.resolve(bytes);
        } catch (err) {
          item.reject(err as Error);
        }
        this.midExchange = !BOUNDARIES.has(item.message[0]);
        this.holder = this.midExchange || this.db.isInTransaction() ? item.handlerId : null;
      }
    } finally {
      this.running = false;
    }
  }
}

export interface PgServeOptions {
  /** Port to listen on (0: a free one). */
  port?: number;
  /** Data directory (default: in memory). */
  dataDir?: string;
}

/** Serve PGlite + pgvector on 127.0.0.1 in this process; resolves once listening. */
export async function servePglite(
  opts: PgServeOptions = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const [{ PGlite }, { vector }, { PGLiteSocketHandler }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
    import("@electric-sql/pglite-socket"),
  ]);
  let db: PGlite;
  if (opts.dataDir) db = await PGlite.create(opts.dataDir, { extensions: { vector } });
  else {
    // A fresh in-memory cluster, from the saved copy of one: PGlite's initdb costs about 3 CPU
    // seconds a server, loading its result a fraction of that.
    const loadDataDir = new Blob([await readFile(await ensureFreshCluster())]);
    db = await PGlite.create({ extensions: { vector }, loadDataDir });
  }
  const queue = new ProtocolQueue(db);
  const handlers = new Set<{ detach(close?: boolean): Promise<unknown> }>();
  const server: Server = createServer((socket) => {
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as ConstructorParameters<
        typeof PGLiteSocketHandler
      >[0]["queryQueue"],
      closeOnDetach: true,
    });
    handlers.add(handler);
    handler.addEventListener("close", () => handlers.delete(handler));
    handler.addEventListener("error", () => handlers.delete(handler));
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    async close() {
      await Promise.all([...handlers].map((h) => h.detach(true)));
      await new Promise<void>((r) => server.close(() => r()));
      await db.close();
    },
  };
}

/**
 * The saved fresh cluster (a gzipped data directory of a new PGlite with pgvector), made by
 * initdb the first time. scripts/test.mjs calls this before the test files start, so servers
 * started at the same time on a fresh clone do not each run initdb.
 */
export async function ensureFreshCluster(): Promise<string> {
  const saved = freshClusterFile();
  if (existsSync(saved)) return saved;
  const [{ PGlite }, { vector }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
  ]);
  const db = await PGlite.create({ extensions: { vector } });
  try {
    const dump = Buffer.from(await (await db.dumpDataDir("gzip")).arrayBuffer());
    await mkdir(dirname(saved), { recursive: true });
    const tmp = `${saved}.${process.pid}.tmp`;
    await writeFile(tmp, dump);
    await rename(tmp, saved); // atomic: parallel servers read a whole file or none
  } finally {
    await db.close();
  }
  return saved;
}

/** The saved fresh cluster, named by the PGlite and pgvector versions that made it. */
function freshClusterFile(): string {
  const version = (pkg: string) =>
    (
      JSON.parse(readFileSync(join(repoRoot, "node_modules", pkg, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  const v = `${version("@electric-sql/pglite")}-${version("@electric-sql/pglite-pgvector")}`;
  return join(repoRoot, ".cache", "fixtures", `pglite-cluster-${v}.tar.gz`);
}

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Start the server in a child process (see the module comment); `stop` ends it. */
export async function startPgServer(opts: { dataDir?: string } = {}): Promise<PgServer> {
  const args = [fileURLToPath(import.meta.url), "--exit-with-stdin"];
  if (opts.dataDir) args.push("--db", opts.dataDir);
  // Its stdin is our pipe: when this process dies, however, the server sees EOF and stops.
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the PGlite server did not start within 180 s"));
    }, 180_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the PGlite server exited with code ${code} before listening`));
    });
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      db: { type: "string" },
      "exit-with-stdin": { type: "boolean", default: false },
    },
  });
  const served = await servePglite({ port: Number(values.port), dataDir: values.db });
  process.stdout.write(`listening postgres://postgres@127.0.0.1:${served.port}/postgres\n`);
  const stop = async () => {
    await served.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  if (values["exit-with-stdin"]) {
    process.stdin.on("end", stop);
    process.stdin.resume();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
