/**
 * `npm run bench:scale`: what the scale-out components cost per image, measured on this machine
 * with a real Redis (Debian's redis-server) and PostgreSQL + pgvector (PGlite over the wire
 * protocol, in its own process):
 *
 * - the store: rows and bytes per image (table, primary key, HNSW index), upsert throughput in
 *   shards (one statement per shard), exact and approximate search latency;
 * - the queue: Redis commands and memory per shard, and the per-shard overhead of the whole
 *   path (enqueue, take, read the files, write the shard, acknowledge) with a stand-in model
 *   that returns vectors at once, so only the queue and store are timed.
 *
 *   npm run bench:scale -- [--images N] [--dim D] [--shard-size S] [--workers W] [--out FILE]
 *
 * PGlite is PostgreSQL compiled to WebAssembly, single-threaded, behind a multiplexer: a real
 * server is much faster; these figures are a floor, not what PostgreSQL does.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { IndexQueue } from "../src/queue/index-queue.js";
import { submitIndex } from "../src/queue/submit.js";
import { startIndexWorker } from "../src/queue/worker.js";
import { itemsTableName, PostgresStore } from "../src/store/postgres.js";
import type { StoreIdentity, StoreItem } from "../src/store/types.js";
import { startPgServer } from "../test/support/pg-server.js";
import { randomUnitVectors } from "../test/support/random-vectors.js";
import { startRedisServer } from "../test/support/redis-server.js";

const { values: a } = parseArgs({
  options: {
    images: { type: "string", default: "3000" },
    dim: { type: "string", default: "512" },
    "shard-size": { type: "string", default: "64" },
    workers: { type: "string", default: "2" },
    out: { type: "string" },
  },
});
const N = Number(a.images);
const DIM = Number(a.dim);
const SHARD = Number(a["shard-size"]);
const WORKERS = Number(a.workers);

function identity(tag: string): StoreIdentity {
  const f = (file: string) => ({ file, size: 1, sha256: tag.repeat(64).slice(0, 64) });
  return {
    key: (tag.repeat(64) + "0".repeat(64)).slice(0, 64),
    model: `bench-${tag}`,
    dtype: "fp32",
    dim: DIM,
    vision: f("v"),
    text: f("t"),
    configs: { config: "c", preprocessor: "p" },
    exifOrientation: true,
    preprocessVersion: 1,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

async function redisInfo(port: number, section: string): Promise<string> {
  const { Redis } = await import("ioredis");
  const r = new Redis({ port, host: "127.0.0.1" });
  try {
    return (await r.info(section)) as string;
  } finally {
    r.disconnect();
  }
}

async function redisCommand(port: number, ...args: string[]): Promise<void> {
  const { Redis } = await import("ioredis");
  const r = new Redis({ port, host: "127.0.0.1" });
  try {
    await r.call(args[0], ...args.slice(1));
  } finally {
    r.disconnect();
  }
}

/** Redis server CPU seconds so far (user + system). */
async function redisCpu(port: number): Promise<number> {
  const info = await redisInfo(port, "cpu");
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return get("used_cpu_user") + get("used_cpu_sys");
}

function commandCounts(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

const dir = await mkdtemp(join(tmpdir(), "zeroclip-bench-scale-"));
const [redis, pgServer] = await Promise.all([startRedisServer(), startPgServer()]);
const sql = new pg.Client(pgServer.url);
await sql.connect();
const report: Record<string, unknown> = {
  machine: `${cpus()[0]?.model}, ${availableParallelism()} cores, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
  images: N,
  dim: DIM,
  shardSize: SHARD,
};
try {
  // The store: upserts one shard per statement, then sizes and search.
  const store = await PostgresStore.open(`${pgServer.url}?store=bench`);
  await store.bind(identity("a"));
  const vectors = randomUnitVectors(N, DIM, 1);
  const items: StoreItem[] = vectors.map((v, i) => ({
    input: `/archive/photos/2024/${String(Math.floor(i / 1000)).padStart(3, "0")}/IMG_${String(i).padStart(7, "0")}.jpg`,
    size: 2_000_000 + i,
    mtimeMs: 1_700_000_000_000 + i * 1000.25,
    sha256: (i.toString(16).padStart(8, "0") + "ab".repeat(28)).slice(0, 64),
    status: "ok",
    embedding: v,
  }));
  const shardMs: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i += SHARD) {
    const s = performance.now();
    await store.put(items.slice(i, i + SHARD));
    shardMs.push(performance.now() - s);
  }
  const putSecs = (performance.now() - t0) / 1000;
  const replay = performance.now();
  await store.put(items.slice(0, SHARD));
  const replayMs = performance.now() - replay;
  // The same writes into a table without the HNSW index: what the index costs.
  const bare = await PostgresStore.open(`${pgServer.url}?store=bench_bare`);
  await bare.bind(identity("a"));
  await sql.query(`DROP INDEX "${itemsTableName("bench_bare", identity("a").key)}_hnsw"`);
  const t1 = performance.now();
  for (let i = 0; i < N; i += SHARD) await bare.put(items.slice(i, i + SHARD));
  const bareSecs = (performance.now() - t1) / 1000;
  await bare.close();
  const table = itemsTableName("bench", identity("a").key);
  const [sizes] = (
    await sql.query(
      `SELECT pg_total_relation_size($1)::float8 AS total, pg_relation_size($1)::float8 AS heap,
              pg_relation_size($2)::float8 AS pkey, pg_relation_size($3)::float8 AS hnsw,
              coalesce(pg_total_relation_size(reltoastrelid), 0)::float8 AS toast
       FROM pg_class WHERE oid = $1::regclass`,
      [`"${table}"`, `"${table}_pkey"`, `"${table}_hnsw"`],
    )
  ).rows;
  const perImage = Object.fromEntries(
    Object.entries(sizes as Record<string, number>).map(([k, v]) => [k, Math.round(v / N)]),
  );
  const queries = randomUnitVectors(10, DIM, 2);
  const exactMs: number[] = [];
  const annMs: number[] = [];
  for (const q of queries) {
    let s = performance.now();
    await store.nearest(q, 10);
    exactMs.push(performance.now() - s);
    s = performance.now();
    await store.nearest(q, 10, { approximate: true });
    annMs.push(performance.now() - s);
  }
  await store.close();
  report.store = {
    upsertRowsPerSecond: Math.round(N / putSecs),
    upsertRowsPerSecondWithoutHnsw: Math.round(N / bareSecs),
    shardStatementMedianMs: Number(median(shardMs).toFixed(1)),
    replayedShardMs: Number(replayMs.toFixed(1)),
    bytesPerImage: perImage,
    exactTop10MedianMs: Number(median(exactMs).toFixed(1)),
    hnswTop10MedianMs: Number(median(annMs).toFixed(1)),
  };
  process.stderr.write(`bench:scale store ${JSON.stringify(report.store)}\n`);

  // The queue: files to read, a stand-in model, W workers in this process.
  const files = join(dir, "files");
  await mkdir(files, { recursive: true });
  for (let i = 0; i < N; i++) {
    await writeFile(
      join(files, `${String(i).padStart(7, "0")}.jpg`),
      `image ${i}`.padEnd(200, "."),
    );
  }
  const qstore = await PostgresStore.open(`${pgServer.url}?store=benchq`);
  const id = identity("b");
  await qstore.bind(id);
  const queue = await IndexQueue.connect(redis.url, await qstore.id());
  const memBefore = Number(/used_memory:(\d+)/.exec(await redisInfo(redis.port, "memory"))![1]);
  await redisCommand(redis.port, "CONFIG", "RESETSTAT");
  const submitted = await submitIndex(queue, qstore, id, [files], {
    shardSize: SHARD,
    wait: false,
  });
  const enqueueCommands = [
    ...commandCounts(await redisInfo(redis.port, "commandstats")).values(),
  ].reduce((x, y) => x + y, 0);
  const memQueued = Number(/used_memory:(\d+)/.exec(await redisInfo(redis.port, "memory"))![1]);
  const { Redis } = await import("ioredis");
  const probe = new Redis({ port: redis.port, host: "127.0.0.1" });
  const jobBytes: number[] = [];
  for (const sid of submitted.shardIds.slice(0, 20)) {
    const key = `zeroclip:${queue.name}:${sid}`;
    jobBytes.push(Number(await probe.call("MEMORY", "USAGE", key, "SAMPLES", "0")));
  }
  probe.disconnect();
  const stand = {
    embedImages: async (
      sources: readonly unknown[],
      o: {
        onResult?: (r: { input: string; embedding: Float32Array }, i: number) => void;
        onProgress?: (d: number, t: number) => void;
      } = {},
    ) => {
      // A distinct stored vector per file ("image <i>…"), as a real model would give.
      const out = sources.map((src, i) => {
        const n = Number(/image (\d+)/.exec(Buffer.from(src as Uint8Array).toString())?.[1] ?? i);
        return { input: String(i), embedding: vectors[n % N] };
      });
      for (const [i, r] of out.entries()) o.onResult?.(r, i);
      o.onProgress?.(out.length, out.length);
      return out;
    },
  };
  await redisCommand(redis.port, "CONFIG", "RESETSTAT");
  const cpu0 = await redisCpu(redis.port);
  const started = performance.now();
  // Timed to the last shard's end (an idle worker takes up to BullMQ's drainDelay to stop).
  let lastDone = started;
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, w) =>
      startIndexWorker(queue, qstore, stand as never, id, {
        exitWhenIdle: true,
        name: `b${w}`,
        onShard: () => {
          lastDone = performance.now();
        },
      }),
    ),
  );
  await Promise.all(workers.map((w) => w.stopped));
  const secs = (lastDone - started) / 1000;
  const redisCpuMsPerShard = (((await redisCpu(redis.port)) - cpu0) * 1000) / submitted.shards;
  const stats = commandCounts(await redisInfo(redis.port, "commandstats"));
  const workCommands = [...stats.values()].reduce((x, y) => x + y, 0);
  const memDone = Number(/used_memory:(\d+)/.exec(await redisInfo(redis.port, "memory"))![1]);
  const top = [...stats].sort((x, y) => y[1] - x[1]).slice(0, 8);
  report.queue = {
    shards: submitted.shards,
    enqueueCommandsPerShard: Number((enqueueCommands / submitted.shards).toFixed(1)),
    workCommandsPerShard: Number((workCommands / submitted.shards).toFixed(1)),
    commandsPerImage: Number(((enqueueCommands + workCommands) / N).toFixed(2)),
    topCommands: Object.fromEntries(
      top.map(([k, v]) => [k, Number((v / submitted.shards).toFixed(1))]),
    ),
    redisBytesPerQueuedShard: Math.round((memQueued - memBefore) / submitted.shards),
    redisJobHashBytes: median(jobBytes),
    redisCpuMsPerShard: Number(redisCpuMsPerShard.toFixed(2)),
    redisBytesPerFinishedShard: Math.round((memDone - memBefore) / submitted.shards),
    workers: WORKERS,
    shardsPerSecond: Number((submitted.shards / secs).toFixed(1)),
    imagesPerSecond: Math.round(N / secs),
  };
  process.stderr.write(`bench:scale queue ${JSON.stringify(report.queue)}\n`);

  // The queue alone: the same shards with a store that keeps nothing (Redis and BullMQ's cost).
  const nullStore = await PostgresStore.open(`${pgServer.url}?store=benchn`);
  const nid = identity("c");
  await nullStore.bind(nid);
  const nqueue = await IndexQueue.connect(redis.url, await nullStore.id());
  const discard = {
    id: () => nullStore.id(),
    get: nullStore.get.bind(nullStore),
    put: async () => {},
  };
  const nsub = await submitIndex(nqueue, nullStore, nid, [files], {
    shardSize: SHARD,
    wait: false,
  });
  await redisCommand(redis.port, "CONFIG", "RESETSTAT");
  const nCpu0 = await redisCpu(redis.port);
  const nStarted = performance.now();
  let nLast = nStarted;
  const nWorkers = await Promise.all(
    Array.from({ length: WORKERS }, (_, w) =>
      startIndexWorker(nqueue, discard, stand as never, nid, {
        exitWhenIdle: true,
        name: `n${w}`,
        onShard: () => {
          nLast = performance.now();
        },
      }),
    ),
  );
  await Promise.all(nWorkers.map((w) => w.stopped));
  const nSecs = (nLast - nStarted) / 1000;
  const nCpu = ((await redisCpu(redis.port)) - nCpu0) * 1000;
  const nCommands = [...commandCounts(await redisInfo(redis.port, "commandstats")).values()].reduce(
    (x, y) => x + y,
    0,
  );
  report.queueOnly = {
    shards: nsub.shards,
    workCommandsPerShard: Number((nCommands / nsub.shards).toFixed(1)),
    redisCpuMsPerShard: Number((nCpu / nsub.shards).toFixed(2)),
    workers: WORKERS,
    shardsPerSecond: Number((nsub.shards / nSecs).toFixed(1)),
    imagesPerSecond: Math.round(N / nSecs),
  };
  process.stderr.write(`bench:scale queue only ${JSON.stringify(report.queueOnly)}\n`);
  await nqueue.close();
  await nullStore.close();
  await queue.close();
  await qstore.close();
} finally {
  await sql.end();
  await Promise.all([redis.stop(), pgServer.stop()]);
  await rm(dir, { recursive: true, force: true });
}
const text = JSON.stringify(report, null, 2) + "\n";
if (a.out) await writeFile(a.out, text);
process.stdout.write(text);
