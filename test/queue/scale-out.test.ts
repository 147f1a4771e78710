/**
 * Scale-out end to end, with real components: Debian's redis-server, PostgreSQL + pgvector
 * (PGlite over the wire protocol), and `zeroclip` child processes: a submitter and three
 * workers on a fixture folder. One worker is SIGKILLed in the middle of a shard. Checked
 * against independent expectations: every image is in the store exactly once (SQL), with the
 * embedding `zeroclip embed` gives bit for bit; the killed shard was retaken through BullMQ's
 * stalled-job recovery; `search --store postgres://…` returns the brute-force top k; classify
 * --store matches classify on the files; submitting the folder again enqueues nothing.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { QueueEvents } from "bullmq";
import pg from "pg";
import { IndexQueue } from "../../src/queue/index-queue.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type CliProcess, startCli } from "../support/cli-process.js";
import {
  type GeneratedDataset,
  SMALL_PHOTOS_PROBE,
  writeColourDataset,
} from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { type RedisServer, skipWithoutRedis, startRedisServer } from "../support/redis-server.js";
import { bruteForce } from "../support/store-contract.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("scale-out: submitter + three workers, one killed mid-shard", {
  skip: skipWithoutRedis,
}, () => {
  let dir: string;
  let redis: RedisServer;
  let pgServer: PgServer;
  let model: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let storeUrl: string;
  const reference = new Map<string, Float32Array>();
  const children: CliProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-scale-"));
    [redis, pgServer, model] = await Promise.all([
      startRedisServer(),
      startPgServer(),
      ensureFixtureModel("probe", SMALL_PHOTOS_PROBE),
    ]);
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 20, corrupt: false });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    storeUrl = `${pgServer.url}?store=e2e`;
    const embedded = await runCli(["embed", "--image", ds.root, "--model", model], env);
    assert.equal(embedded.code, 0, embedded.stderr);
    for (const r of parseJsonl(embedded.stdout)) {
      reference.set(r.input as string, new Float32Array(r.embedding as number[]));
    }
    assert.equal(reference.size, ds.images.length);
  });
  after(async () => {
    for (const c of children) c.child.kill("SIGKILL");
    await Promise.all([redis?.stop(), pgServer?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("fills the store through three workers and survives one killed mid-shard", async () => {
    const submitter = startCli(
      [
        "index",
        ds.root,
        "--store",
        storeUrl,
        "--queue",
        redis.url,
        "--model",
        model,
        "--shard-size",
        "6",
      ],
      env,
    );
    children.push(submitter);
    const planned = await submitter.waitFor(
      /(\d+) shards enqueued, 0 already queued .*\((index-\S+)\)/,
    );
    assert.equal(Number(planned[1]), Math.ceil(ds.images.length / 6));
    const store = await PostgresStore.open(storeUrl, { readonly: true });
    const queue = await IndexQueue.connect(redis.url, await store.id());
    assert.equal(queue.name, planned[2]);
    const events: QueueEvents = await queue.events();
    const stalled: string[] = [];
    events.on("stalled", ({ jobId }) => stalled.push(jobId));
    try {
      const workerArgs = (name: string) => [
        "worker",
        "--queue",
        redis.url,
        "--store",
        storeUrl,
        "--exit-when-idle",
        "--name",
        name,
        "--lock-timeout",
        "1.5",
        "--stalled-check",
        "0.5",
        "--batch-size",
        "2",
        "--workers",
        "1",
      ];
      const workers = ["w1", "w2", "w3"].map((n) =>
        startCli([...workerArgs(n), ...(n === "w3" ? ["--concurrency", "2"] : [])], env),
      );
      children.push(...workers);
      // Freeze w1 while it holds a shard, make sure the shard is still unfinished, then kill it.
      let killed: string | undefined;
      const deadline = Date.now() + 60_000;
      while (!killed && Date.now() < deadline) {
        const mine = (await queue.running()).find((r) => r.worker === "w1");
        if (mine) {
          workers[0].child.kill("SIGSTOP");
          const still = (await queue.running()).find((r) => r.id === mine.id && r.worker === "w1");
          if (still) {
            workers[0].child.kill("SIGKILL");
            killed = mine.id;
          } else workers[0].child.kill("SIGCONT");
        }
        if (!killed) await sleep(5);
      }
      assert.ok(killed, "w1 never held a shard");
      assert.equal(await workers[0].exited, null);

      const code = await submitter.exited;
      assert.equal(code, 0, submitter.stderr);
      assert.deepEqual(JSON.parse(submitter.stdout), {
        added: ds.images.length,
        updated: 0,
        removed: 0,
        unchanged: 0,
        failed: 0,
      });
      assert.deepEqual(await Promise.all([workers[1].exited, workers[2].exited]), [0, 0]);
      // The killed shard went back through stalled-job recovery and another worker did it.
      assert.ok(stalled.includes(killed), `no stalled event for ${killed}: ${stalled}`);
      const redone = await queue.job(killed);
      assert.equal(await redone?.getState(), "completed");
      assert.notEqual(redone?.processedBy, "w1");
    } finally {
      await events.close();
      await queue.close();
      await store.close();
    }
  });

  it("holds each image exactly once, with embed's embedding bit for bit (SQL)", async () => {
    const c = new pg.Client(pgServer.url);
    await c.connect();
    try {
      const [meta] = (await c.query("SELECT items_table FROM zeroclip_stores WHERE name = 'e2e'"))
        .rows;
      const [counts] = (
        await c.query(
          `SELECT count(*)::int AS n, count(DISTINCT input)::int AS inputs,
                  count(*) FILTER (WHERE status = 'ok')::int AS ok FROM "${meta.items_table}"`,
        )
      ).rows;
      assert.deepEqual(counts, {
        n: ds.images.length,
        inputs: ds.images.length,
        ok: ds.images.length,
      });
    } finally {
      await c.end();
    }
    const store = await PostgresStore.open(storeUrl, { readonly: true });
    try {
      const stored = new Map<string, number[]>();
      for await (const page of store.embeddings({ pageSize: 50 })) {
        for (const e of page) stored.set(e.input, Array.from(e.embedding));
      }
      assert.deepEqual([...stored.keys()].sort(), ds.images.map((i) => i.path).sort());
      for (const [input, e] of reference) assert.deepEqual(stored.get(input), Array.from(e), input);
    } finally {
      await store.close();
    }
  });

  it("search --store postgres:// returns the exact top k; classify --store equals classify", async () => {
    const items = [...reference].map(([input, embedding]) => ({ input, embedding }));
    const query = ds.images[7].path;
    const text = "a photo of a red square";
    const textRef = await runCli(["embed", "--text", text, "--model", model], env);
    const textEmbedding = new Float32Array(parseJsonl(textRef.stdout)[0].embedding as number[]);
    const run = await runCli(
      [
        "search",
        "--store",
        storeUrl,
        "--image",
        query,
        "--text",
        text,
        "-k",
        "7",
        "--format",
        "jsonl",
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const [byImage, byText] = parseJsonl(run.stdout) as {
      results: { input: string; score: number }[];
    }[];
    for (const [got, q] of [
      [byImage, reference.get(query)!],
      [byText, textEmbedding],
    ] as const) {
      const want = bruteForce(items, q, 7);
      assert.deepEqual(
        got.results.map((r) => r.input),
        want.map((w) => w.input),
      );
      got.results.forEach((r, i) => {
        assert.equal(r.score, Number(want[i].score.toPrecision(6)));
      });
    }
    const approx = await runCli(
      [
        "search",
        "--store",
        storeUrl,
        "--image",
        query,
        "-k",
        "7",
        "--approximate",
        "--ef-search",
        "200",
      ],
      env,
    );
    assert.equal(approx.code, 0, approx.stderr);
    const hnsw = (parseJsonl(approx.stdout)[0] as typeof byImage).results.map((r) => r.input);
    const exact = new Set(byImage.results.map((r) => r.input));
    assert.equal(hnsw.length, 7);
    assert.ok(hnsw.filter((i) => exact.has(i)).length >= 6, `HNSW found ${hnsw}`);
    const labels = ["red", "green", "blue", "cyan", "magenta", "yellow"].join(",");
    const fromStore = await runCli(["classify", "--store", storeUrl, "--labels", labels], env);
    const fromFiles = await runCli(
      ["classify", ds.root, "--model", model, "--labels", labels],
      env,
    );
    assert.equal(fromStore.code, 0, fromStore.stderr);
    const byInput = (s: string) =>
      new Map(parseJsonl(s).map((r) => [r.input as string, r.predictions]));
    assert.deepEqual(byInput(fromStore.stdout), byInput(fromFiles.stdout));
  });

  it("submitting the same folder again enqueues nothing", async () => {
    const again = await runCli(
      ["index", ds.root, "--store", storeUrl, "--queue", redis.url, "--format", "json"],
      env,
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /0 to embed in 0 shards, \d+ unchanged; 0 shards enqueued/);
    assert.deepEqual(JSON.parse(again.stdout), {
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: ds.images.length,
      failed: 0,
    });
  });
});
