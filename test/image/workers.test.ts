/**
 * The preprocessing worker pool and the thread options, observed from outside the production
 * code (test/support/observe-hook.ts, preloaded into the CLI process and its worker threads):
 * - `--workers N` starts N worker threads, the work is spread over all of them, and the
 *   embeddings are identical to a single worker's;
 * - a worker that dies on an input (the hook ends the thread when it opens that file) turns that
 *   input into an error record; a new worker takes over and every other input is embedded
 *   exactly as without the crash;
 * - `--threads N` is the intra-op thread count of onnxruntime's sessions, which then really
 *   start that many more OS threads.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseJsonl, runCliProcess } from "../support/cli.js";
import { encodeWithSharp, makeTempDir, noisePixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { observeEnv, readObserved } from "../support/observe.js";

describe("preprocessing workers and onnxruntime threads (observed)", () => {
  let model: string;
  let dir: string;
  const images: string[] = [];
  let logs = 0;

  before(async () => {
    model = await ensureFixtureModel("tiny");
    dir = await makeTempDir("zeroclip-workers-");
    for (let i = 0; i < 8; i++) {
      const name = i === 3 ? `img${i}-crash-me.png` : `img${i}.png`;
      const file = join(dir, name);
      await writeFile(
        file,
        await encodeWithSharp(noisePixels(40 + 9 * i, 30 + 5 * i, 3, 90 + i), "png"),
      );
      images.push(file);
    }
  });
  after(() => removeDir(dir));

  /** `embed --image` of all images, observed; returns the records and the events. */
  const embed = async (args: string[], crashOn?: string, env: NodeJS.ProcessEnv = {}) => {
    const log = join(dir, `observe-${logs++}.jsonl`);
    const run = await runCliProcess(
      [
        "embed",
        "--model",
        model,
        ...images.flatMap((i) => ["--image", i]),
        "--batch-size",
        "2",
        ...args,
      ],
      { ...observeEnv(log, crashOn), ...env },
    );
    const events = readObserved(log);
    const records = parseJsonl(run.stdout) as {
      input: string;
      embedding?: number[];
      code?: string;
      error?: string;
    }[];
    return { run, records, events };
  };
  const workerThreads = (events: ReturnType<typeof readObserved>) =>
    events.filter((e) => e.event === "worker-start").map((e) => e.thread);
  const opensOf = (events: ReturnType<typeof readObserved>) =>
    events.filter((e) => e.event === "open" && images.includes(e.path!));

  it("--workers 1 and 3: that many threads, all of them used, identical embeddings", async () => {
    const one = await embed(["--workers", "1"]);
    const three = await embed(["--workers", "3"]);
    for (const r of [one, three]) assert.equal(r.run.code, 0, r.run.stderr);
    assert.equal(workerThreads(one.events).length, 1);
    assert.equal(workerThreads(three.events).length, 3);
    for (const { events } of [one, three]) {
      const opens = opensOf(events);
      assert.deepEqual(opens.map((e) => e.path).sort(), [...images].sort(), "each image read once");
      for (const e of opens)
        assert.ok(workerThreads(events).includes(e.thread), "read in a worker");
    }
    assert.equal(new Set(opensOf(three.events).map((e) => e.thread)).size, 3, "all 3 workers work");
    assert.deepEqual(three.records, one.records);
    assert.equal(one.records.length, images.length);
    const byDefault = await embed([]);
    assert.equal(byDefault.run.code, 0, byDefault.run.stderr);
    assert.equal(
      workerThreads(byDefault.events).length,
      Math.max(1, Math.min(4, availableParallelism())),
      "default: one per core, at most 4",
    );
    assert.deepEqual(byDefault.records, one.records);
  });

  it("a worker that dies on an input: that input is an error record, a new worker does the rest", async () => {
    const clean = await embed(["--workers", "1"]);
    const crashed = await embed(["--workers", "1"], "crash-me");
    assert.equal(crashed.run.code, 1, crashed.run.stderr);
    assert.deepEqual(
      crashed.records.map((r) => r.input),
      images,
    );
    crashed.records.forEach((r, i) => {
      if (i === 3) {
        assert.match(r.error ?? "", /preprocessing worker exited \(code 13\)/);
        assert.equal(r.code, "worker_failed");
        assert.ok(!r.error!.includes("\n"), "one line");
      } else assert.deepEqual(r, clean.records[i], `input ${i} as without the crash`);
    });
    const [first, second, ...more] = workerThreads(crashed.events);
    assert.ok(second !== undefined && more.length === 0, "exactly one replacement worker");
    const opens = opensOf(crashed.events);
    assert.deepEqual(
      opens.filter((e) => e.thread === first).map((e) => e.path),
      images.slice(0, 4),
      "the first worker read up to the crashing input",
    );
    assert.deepEqual(
      opens.filter((e) => e.thread === second).map((e) => e.path),
      images.slice(4),
      "the replacement read the rest",
    );
    assert.doesNotMatch(crashed.run.stderr, /\n\s+at /, "no stack trace");
  });

  it("--threads N sets onnxruntime's intra-op threads, which start N threads", async (t) => {
    const sessions = async (args: string[], env?: NodeJS.ProcessEnv) => {
      const r = await embed(["--workers", "1", ...args], undefined, env);
      assert.equal(r.run.code, 0, r.run.stderr);
      const s = r.events.filter((e) => e.event === "session");
      assert.equal(s.length, 1, "one session: the vision tower");
      return { session: s[0], records: r.records };
    };
    const one = await sessions(["--threads", "1"]);
    const three = await sessions(["--threads", "3"]);
    // The default: every core, unless ZEROCLIP_THREADS (which the test runner sets) says.
    const byDefault = await sessions([], { ZEROCLIP_THREADS: undefined });
    const fromEnv = await sessions([], { ZEROCLIP_THREADS: "2" });
    assert.equal(one.session.intraOpNumThreads, 1);
    assert.equal(three.session.intraOpNumThreads, 3);
    assert.equal(byDefault.session.intraOpNumThreads, availableParallelism());
    assert.equal(fromEnv.session.intraOpNumThreads, 2);
    t.diagnostic(
      `OS threads added by the session: ${one.session.threadsAdded} (--threads 1), ` +
        `${three.session.threadsAdded} (--threads 3)`,
    );
    if (one.session.threadsAdded !== null) {
      assert.equal(three.session.threadsAdded! - one.session.threadsAdded!, 2);
    }
    // Same numbers whatever the thread count (within float32 summation-order noise).
    one.records.forEach((r, i) => {
      const other = three.records[i].embedding!;
      for (const [j, x] of r.embedding!.entries()) {
        assert.ok(Math.abs(x - other[j]) < 1e-6, `${i}/${j}`);
      }
    });
  });
});
