/**
 * Workers and submitters against a real Redis and PostgreSQL + pgvector (PGlite): bad images,
 * transient store errors, shards of another model, resubmission while shards are queued, SIGTERM
 * in the middle of a shard, and connection errors and passwords on the command line.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { IndexQueue } from "../../src/queue/index-queue.js";
import { makeShards } from "../../src/queue/shards.js";
import { submitIndex } from "../../src/queue/submit.js";
import { startIndexWorker } from "../../src/queue/worker.js";
import { modelIdentity } from "../../src/store/identity.js";
import { PostgresStore } from "../../src/store/postgres.js";
import type { StoreIdentity, StoreItem } from "../../src/store/types.js";
import { NetworkError } from "../../src/util/errors.js";
import { runCli } from "../support/cli.js";
import { startCli } from "../support/cli-process.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import {
  freePort,
  type RedisServer,
  skipWithoutRedis,
  startRedisServer,
} from "../support/redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fast = { lockDurationMs: 1500, stalledIntervalMs: 500, exitWhenIdle: true };

describe("scale-out workers and submitters", { skip: skipWithoutRedis }, () => {
  let dir: string;
  let redis: RedisServer;
  let pgServer: PgServer;
  let modelDir: string;
  let model: ClipModel;
  let identity: StoreIdentity;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let counter = 0;

  /** A fresh store (and its queue) for one test. */
  async function fresh(url = pgServer.url) {
    const store = await PostgresStore.open(`${url}?store=w${counter++}`);
    await store.bind(identity);
    const queue = await IndexQueue.connect(redis.url, await store.id());
    return { store, queue, url: `${url}?store=w${counter - 1}` };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-worker-"));
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    [redis, pgServer, modelDir] = await Promise.all([
      startRedisServer(),
      startPgServer(),
      ensureFixtureModel("probe"),
    ]);
    model = await ClipModel.load(modelDir, { preprocessWorkers: 1 });
    identity = await modelIdentity(model, { cacheDir: join(dir, "cache") });
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 3, corrupt: true });
  });
  after(async () => {
    await model?.dispose();
    await Promise.all([redis?.stop(), pgServer?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("records a bad image as its failure; resubmitting retries only it, once", async () => {
    const { store, queue } = await fresh();
    try {
      const first = await submitIndex(queue, store, identity, [ds.root], { wait: false });
      assert.equal(first.enqueued, 1);
      const worker = await startIndexWorker(queue, store, model, identity, fast);
      await worker.stopped;
      const counts = await queue.counts();
      assert.equal(counts.completed, 1);
      assert.equal(counts.failed, 0);
      assert.deepEqual(await store.counts(), { ok: ds.images.length, failed: 1 });
      const failedRow: string[] = [];
      for await (const page of store.list()) {
        for (const r of page) if (r.status === "failed") failedRow.push(`${r.input}: ${r.error}`);
      }
      assert.equal(failedRow.length, 1);
      assert.match(failedRow[0], /broken\.jpg: not an image/);
      // Again: only the failed input is tried again (as a local run would)...
      const second = await submitIndex(queue, store, identity, [ds.root], { wait: false });
      assert.deepEqual([second.todo, second.unchanged, second.enqueued], [1, ds.images.length, 1]);
      // ...and while that shard is queued, submitting again adds nothing.
      const third = await submitIndex(queue, store, identity, [ds.root], { wait: false });
      assert.deepEqual([third.enqueued, third.alreadyQueued], [0, 1]);
      assert.equal((await queue.counts()).waiting, 1);
    } finally {
      await queue.close();
      await store.close();
    }
  });

  it("a store error fails the attempt; the shard is retried with backoff and lands once", async () => {
    const { store, queue } = await fresh();
    try {
      let puts = 0;
      const flaky = {
        id: () => store.id(),
        get: (inputs: readonly string[]) => store.get(inputs),
        put: async (items: readonly StoreItem[]) => {
          if (puts++ === 0) throw new NetworkError("cannot reach the PostgreSQL store: test");
          await store.put(items);
        },
      };
      const errors: string[] = [];
      const worker = await startIndexWorker(queue, flaky, model, identity, {
        ...fast,
        exitWhenIdle: false,
        onShardError: (e) => errors.push(e.error),
      });
      const started = Date.now();
      const report = await submitIndex(queue, store, identity, [ds.root], {
        attempts: 3,
        backoffMs: 300,
        pollMs: 200,
      });
      await worker.close();
      assert.deepEqual(
        [report.added, report.failed, report.failedShards],
        [ds.images.length, 1, []],
      );
      assert.deepEqual(errors, ["cannot reach the PostgreSQL store: test"]);
      assert.ok(Date.now() - started >= 300, "retried before the backoff delay");
      assert.equal(report.shardIds.length, 1);
      const job = await queue.job(report.shardIds[0]);
      assert.equal(job?.attemptsMade, 2);
      assert.deepEqual(await store.counts(), { ok: ds.images.length, failed: 1 });
    } finally {
      await queue.close();
      await store.close();
    }
  });

  it("refuses a shard made for another model, for good (no retries)", async () => {
    const { store, queue } = await fresh();
    try {
      const [shard] = makeShards(
        {
          files: [ds.images[0].path],
          todo: [{ input: ds.images[0].path, size: 1, mtimeMs: 1, sha256: null }],
          known: new Map(),
        },
        await store.id(),
        { ...identity, key: "f".repeat(64), model: "other" },
      );
      await queue.add([shard], { attempts: 5, backoffMs: 100 });
      const errors: string[] = [];
      const worker = await startIndexWorker(queue, store, model, identity, {
        ...fast,
        onShardError: (e) => errors.push(e.error),
      });
      await worker.stopped;
      const job = await queue.job(shard.id);
      assert.equal(await job?.getState(), "failed");
      assert.equal(job?.attemptsMade, 1);
      assert.match(errors[0], /made for model other .* this worker runs/);
      assert.deepEqual(await store.counts(), { ok: 0, failed: 0 });
    } finally {
      await queue.close();
      await store.close();
    }
  });

  it("worker CLI: another model is exit 3; SIGTERM mid-shard finishes that shard, exit 0", async () => {
    const secret = "pg-pa55word";
    const withPassword = pgServer.url.replace("postgres@", `postgres:${secret}@`);
    const { store, queue, url } = await fresh(withPassword);
    try {
      const tiny = await ensureFixtureModel("tiny");
      const wrong = await runCli(
        ["worker", "--queue", redis.url, "--store", url, "--model", tiny],
        env,
      );
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.match(wrong.stderr, /holds 48-d embeddings of .*probe.*this run uses another model/);
      assert.ok(!wrong.stderr.includes(secret));

      const many = await writeColourDataset(join(dir, "many"), { perClass: 8, corrupt: false });
      const sub = await runCli(
        [
          "index",
          many.root,
          "--store",
          url,
          "--queue",
          redis.url,
          "--shard-size",
          "4",
          "--no-wait",
        ],
        env,
      );
      assert.equal(sub.code, 0, sub.stderr);
      const shards = JSON.parse(sub.stdout).shards as number;
      assert.equal(shards, 12);
      const w = startCli(
        ["worker", "--queue", redis.url, "--store", url, "--name", "term", "--batch-size", "1"],
        env,
      );
      await w.waitFor(/concurrency 1/);
      assert.match(w.stderr, /postgres:\*\*\*@127\.0\.0\.1/);
      let held: string | undefined;
      const deadline = Date.now() + 30_000;
      while (!held && Date.now() < deadline) {
        const mine = (await queue.running()).find((r) => r.worker === "term");
        if (mine) {
          w.child.kill("SIGSTOP");
          if ((await queue.running()).some((r) => r.id === mine.id)) held = mine.id;
          else w.child.kill("SIGCONT");
        }
        if (!held) await sleep(5);
      }
      assert.ok(held, "the worker never held a shard");
      w.child.kill("SIGTERM");
      w.child.kill("SIGCONT");
      assert.equal(await w.exited, 0, w.stderr);
      assert.match(w.stderr, /SIGTERM: finishing the running shards/);
      assert.ok(!w.stderr.includes(secret));
      const job = await queue.job(held);
      assert.equal(await job?.getState(), "completed");
      assert.equal(job?.processedBy, "term");
      const counts = await queue.counts();
      assert.ok(counts.waiting > 0, "the worker kept taking shards after SIGTERM");
      assert.equal(counts.active, 0);
      assert.equal(counts.completed + counts.waiting, shards);
    } finally {
      await queue.close();
      await store.close();
    }
  });

  it("index --queue: wrong Redis password, unreachable Redis, a file store", async () => {
    const locked = await startRedisServer({ password: "r3dis-secret" });
    try {
      const store = `${pgServer.url}?store=cli_errors`;
      const args = (queue: string, s = store) => [
        "index",
        ds.root,
        "--store",
        s,
        "--queue",
        queue,
        "--model",
        modelDir,
        "--no-wait",
      ];
      const bad = await runCli(args(`redis://:wrong-one@127.0.0.1:${locked.port}`), env);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(
        bad.stderr,
        /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the credentials/,
      );
      assert.ok(!bad.stderr.includes("wrong-one"));
      const good = await runCli(args(locked.url), env);
      assert.equal(good.code, 0, good.stderr);
      assert.equal(JSON.parse(good.stdout).enqueued, 1);
      assert.ok(!good.stderr.includes("r3dis-secret"));
      const down = await runCli(args(`redis://:pw@127.0.0.1:${await freePort()}`), env);
      assert.equal(down.code, 4, down.stderr);
      assert.match(down.stderr, /cannot reach Redis at redis:\/\/:\*\*\*@127/);
      const file = await runCli(args(locked.url, join(dir, "local.zcstore")), env);
      assert.equal(file.code, 2);
      assert.match(file.stderr, /--queue needs a store that every worker can reach/);
      assert.ok(!existsSync(join(dir, "local.zcstore")), "refused before the file store is made");
      const notRedis = await runCli(args("http://127.0.0.1:1"), env);
      assert.equal(notRedis.code, 2);
    } finally {
      await locked.stop();
    }
  });
});
