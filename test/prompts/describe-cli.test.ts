import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../support/cli.js";
import { type LlmServerOptions, type Reply, startLlmServer } from "../support/llm-server.js";
import { cliPath } from "../support/paths.js";

const KEY = "sk-test-SECRET-0123456789";
let tmp: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "zeroclip-describe-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let dirs = 0;
/** A fresh cache dir and output path per test. */
function scratch() {
  const d = join(tmp, `run-${dirs++}`);
  return { cache: join(d, "cache"), out: join(d, "descriptions.json"), dir: d };
}

async function withServer<T>(
  opts: LlmServerOptions,
  fn: (s: Awaited<ReturnType<typeof startLlmServer>>) => Promise<T>,
): Promise<T> {
  const server = await startLlmServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

function describeArgs(baseURL: string, out: string, extra: string[] = []): string[] {
  return [
    "describe",
    "--llm-base-url",
    baseURL,
    "--llm-model",
    "test-model",
    "--out",
    out,
    "--retry-base-ms",
    "5",
    ...extra,
  ];
}

const env = (cache: string) => ({ ZEROCLIP_CACHE: cache, OPENAI_API_KEY: KEY });

async function readJson(path: string): Promise<Record<string, string[]>> {
  return JSON.parse(await readFile(path, "utf8"));
}

/** Every file under a directory, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Requests per prompt. */
function perPrompt(prompts: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of prompts) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

const SEED_FOR = (c: string, an = false) => {
  const a = an ? "an" : "a";
  return [
    `Describe what ${a} ${c} looks like:`,
    `Describe ${a} ${c}:`,
    `What are the identifying characteristics of ${a} ${c}?`,
  ];
};

/** What the default test server's answers clean up to. */
function expectedSentences(prompts: string[], n: number): string[] {
  return prompts.flatMap((p) =>
    Array.from({ length: n }, (_, k) => `${p.replace(/[?:]$/, "")} answer number ${k}.`),
  );
}

describe("zeroclip describe", () => {
  test("writes CuPL JSON: questions × n cleaned sentences per class; a re-run makes no requests", async () => {
    const s = scratch();
    await withServer({}, async (server) => {
      const args = describeArgs(server.baseURL, s.out, [
        "--labels",
        "tree frog,apple",
        "--questions",
        "seed",
        "--n",
        "3",
      ]);
      const run = await runCli(args, env(s.cache));
      assert.equal(run.code, 0, run.stderr);
      const json = await readJson(s.out);
      assert.deepEqual(Object.keys(json), ["tree frog", "apple"]);
      assert.deepEqual(json["tree frog"], expectedSentences(SEED_FOR("tree frog"), 3));
      assert.deepEqual(json.apple, expectedSentences(SEED_FOR("apple", true), 3));
      for (const list of Object.values(json)) {
        assert.equal(list.length, 9);
        for (const sentence of list) {
          assert.match(sentence, /^\S.*\.$/);
          assert.doesNotMatch(sentence, /\s{2}|\n/);
        }
      }
      // One request per (class, question), n=3 each, CuPL's sampling parameters.
      assert.equal(server.requests.length, 6);
      for (const r of server.requests) {
        assert.equal(r.headers.authorization, `Bearer ${KEY}`);
        assert.equal(r.body.model, "test-model");
        assert.equal(r.body.n, 3);
        assert.equal(r.body.temperature, 0.99);
        assert.equal(r.body.max_tokens, 50);
        assert.deepEqual([r.body.stop].flat(), ["."]);
      }
      // The key is never written to the cache, nor printed.
      const files = await filesUnder(s.cache);
      assert.ok(files.length > 0);
      for (const f of files) assert.ok(!(await readFile(f, "utf8")).includes(KEY), f);
      assert.ok(!run.stderr.includes(KEY) && !run.stdout.includes(KEY));

      // Second run: everything from the cache.
      await rm(s.out);
      const again = await runCli(args, env(s.cache));
      assert.equal(again.code, 0, again.stderr);
      assert.equal(server.requests.length, 6, "no new requests");
      assert.deepEqual(await readJson(s.out), json);
      assert.match(again.stderr, /0 requests, 18 answers from the cache/);
    });
  });

  test("a server that ignores n gets repeated requests until n answers are in", async () => {
    const s = scratch();
    await withServer({ ignoreN: true }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, ["-l", "owl", "--questions", "seed", "--n", "3"]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual((await readJson(s.out)).owl, expectedSentences(SEED_FOR("owl", true), 3));
      const counts = perPrompt(server.requests.map((r) => r.prompt));
      assert.deepEqual([...counts.values()], [3, 3, 3]);
      // Each repeat asks only for what is still missing.
      for (const p of counts.keys()) {
        assert.deepEqual(
          server.requests.filter((r) => r.prompt === p).map((r) => r.body.n),
          [3, 2, 1],
        );
      }
    });
  });

  test("a server that refuses n > 1 (400) is asked one answer at a time", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = (r) =>
      (r.body.n ?? 1) > 1
        ? { status: 400, error: "Only one completion choice is allowed" }
        : undefined;
    await withServer({ plan }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, ["-l", "cat", "--questions", "seed", "--n", "2"]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /warning: the server refused n=2/);
      assert.deepEqual((await readJson(s.out)).cat, expectedSentences(SEED_FOR("cat"), 2));
    });
  });

  test("--dedupe drops repeated sentences; without it repeats are kept", async () => {
    const s = scratch();
    const answer = (p: string, k: number) => `${p} variant ${k % 2}. x`;
    await withServer({ answer }, async (server) => {
      const base = ["-l", "dog", "--questions", "seed", "--n", "4"];
      const keep = await runCli(describeArgs(server.baseURL, s.out, base), env(s.cache));
      assert.equal(keep.code, 0, keep.stderr);
      assert.equal((await readJson(s.out)).dog.length, 12);
      const requests = server.requests.length;
      const dd = await runCli(
        describeArgs(server.baseURL, s.out, [...base, "--dedupe"]),
        env(s.cache),
      );
      assert.equal(dd.code, 0, dd.stderr);
      const dog = (await readJson(s.out)).dog;
      assert.equal(dog.length, 6);
      assert.equal(new Set(dog).size, 6);
      assert.equal(dog[0], "Describe what a dog looks like: variant 0.");
      assert.equal(server.requests.length, requests, "dedupe is applied to cached answers");
    });
  });

  test("custom question file; a → an before a vowel", async () => {
    const s = scratch();
    const qfile = join(tmp, "questions.txt");
    await writeFile(qfile, "# my questions\nTell me about a {}.\n\nA {} looks like what?\n");
    await withServer({ ignoreStop: true, answer: (p) => `«${p}»` }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "eagle,Umbrella,tree",
          "--questions",
          qfile,
          "--n",
          "1",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        new Set(server.requests.map((r) => r.prompt)),
        new Set([
          "Tell me about an eagle.",
          "An eagle looks like what?",
          "Tell me about an Umbrella.",
          "An Umbrella looks like what?",
          "Tell me about a tree.",
          "A tree looks like what?",
        ]),
      );
      // The stop sequence is also applied client-side for servers that ignore it.
      assert.deepEqual((await readJson(s.out)).tree, [
        "«Tell me about a tree.",
        "«A tree looks like what?».",
      ]);
    });
  });

  test("429 with Retry-After (seconds) is honoured", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = (r) =>
      r.seq === 0 ? { status: 429, headers: { "retry-after": "1" } } : undefined;
    await withServer({ plan }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "fox",
          "--questions",
          "seed",
          "--n",
          "1",
          "--concurrency",
          "1",
          "-v",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /retry: "fox": 429/);
      const [first, second] = server.requests;
      assert.equal(first.status, 429);
      assert.equal(second.prompt, first.prompt);
      const gap = second.at - first.at;
      assert.ok(gap >= 950 && gap < 2000, `waited ${gap} ms for Retry-After: 1`);
      assert.equal(server.requests.length, 4);
    });
  });

  test("429 with retry-after-ms, and an HTTP-date Retry-After, are honoured", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = (r): Reply | undefined =>
      r.seq === 0
        ? { status: 429, headers: { "retry-after-ms": "400", "retry-after": "30" } }
        : r.seq === 1
          ? {
              status: 503,
              headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() },
            }
          : undefined;
    await withServer({ plan }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "fox",
          "--questions",
          "seed",
          "--n",
          "1",
          "--concurrency",
          "1",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      const [a, b, c] = server.requests;
      const gap1 = b.at - a.at;
      assert.ok(gap1 >= 380 && gap1 < 1200, `retry-after-ms 400: waited ${gap1} ms`);
      // An HTTP date has 1 s resolution: the wait is between 1 and 2 s (+ jitter).
      const gap2 = c.at - b.at;
      assert.ok(gap2 >= 950 && gap2 < 3000, `HTTP date: waited ${gap2} ms`);
    });
  });

  test("a 500 is retried; a slow response times out and is retried", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = (r) =>
      r.seq === 0 ? { status: 500 } : r.seq === 1 ? { delayMs: 30_000 } : undefined;
    await withServer({ plan }, async (server) => {
      const t0 = Date.now();
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "fox",
          "--questions",
          "seed",
          "--n",
          "2",
          "--concurrency",
          "1",
          "--timeout",
          "0.3",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.ok(Date.now() - t0 < 15_000, "did not wait for the slow response");
      assert.equal((await readJson(s.out)).fox.length, 6);
      const first = server.requests.filter((r) => r.prompt === server.requests[0].prompt);
      assert.equal(first.length, 3, "500, timeout, then OK");
    });
  });

  test("a class that always fails is reported once on stderr; the others are written; exit 1", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = (r) =>
      r.prompt.includes("gremlin") ? { status: 400, error: "content policy" } : undefined;
    await withServer({ plan }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "cat,gremlin,dog",
          "--questions",
          "seed",
          "--n",
          "2",
          "--concurrency",
          "2",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 1, run.stderr);
      const json = await readJson(s.out);
      assert.deepEqual(Object.keys(json), ["cat", "dog"]);
      assert.equal(json.cat.length, 6);
      assert.equal(json.dog.length, 6);
      const lines = run.stderr.split("\n").filter((l) => l.startsWith("describe:"));
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], /"gremlin" failed: 400 content policy/);
      assert.match(run.stderr, /1 of 3 classes failed: "gremlin"/);
      assert.ok(
        server.requests.filter((r) => r.prompt.includes("gremlin")).length <= 4,
        "no more than the two questions in flight (and their n=1 fallbacks) are tried",
      );
    });
  });

  test("every class failing is an endpoint failure: exit 4", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = () => ({ status: 500 });
    await withServer({ plan }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "cat,dog",
          "--questions",
          "seed",
          "--n",
          "1",
          "--concurrency",
          "1",
          "--retries",
          "1",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 4, run.stderr);
      assert.match(
        run.stderr,
        /2 of 2 classes failed: .*every request to http:\/\/127\.0\.0\.1:\d+\/v1 failed/,
      );
    });
  });

  test("retries exhausted on 503 fail the class", async () => {
    const s = scratch();
    const plan: LlmServerOptions["plan"] = (r) =>
      r.prompt.includes("gremlin") ? { status: 503 } : undefined;
    await withServer({ plan }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "-l",
          "gremlin,dog",
          "--questions",
          "seed",
          "--n",
          "1",
          "--concurrency",
          "1",
          "--retries",
          "2",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(Object.keys(await readJson(s.out)), ["dog"]);
      assert.equal(server.requests.filter((r) => r.prompt.includes("gremlin")).length, 3);
    });
  });

  test("an authentication error stops the run (exit 4) without a key in the message", async () => {
    const s = scratch();
    await withServer({ plan: () => ({ status: 401, error: "bad key" }) }, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, ["-l", "a,b,c", "--questions", "seed", "--n", "1"]),
        env(s.cache),
      );
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stderr, /401/);
      assert.ok(!run.stderr.includes(KEY));
      assert.ok(server.requests.length <= 8);
    });
  });

  test("without OPENAI_API_KEY a placeholder is sent (local servers need none)", async () => {
    const s = scratch();
    await withServer({}, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, ["-l", "cat", "--questions", "seed", "--n", "1"]),
        { ZEROCLIP_CACHE: s.cache, OPENAI_API_KEY: "" },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(String(server.requests[0].headers.authorization), /^Bearer \S+$/);
    });
  });

  test("a run killed mid-way resumes without repeating finished requests", async () => {
    const s = scratch();
    const K = 4;
    await withServer(
      { plan: (_r, ok) => (ok >= K ? { stall: true } : undefined) },
      async (server) => {
        const args = describeArgs(server.baseURL, s.out, [
          "-l",
          "cat,dog,owl,eel",
          "--questions",
          "seed",
          "--n",
          "2",
          "--concurrency",
          "2",
        ]);
        const child = spawn(process.execPath, [cliPath, ...args], {
          env: { ...process.env, ...env(s.cache) },
          stdio: "ignore",
        });
        // Both workers are blocked on new requests: every answered request has been cached.
        await server.waitForAnswered(K);
        await server.waitForStalled(2);
        child.kill("SIGKILL");
        await once(child, "close");
        const before = server.answered().length;
        assert.ok(before >= K && before < 12);

        server.setPlan(undefined);
        const run = await runCli(args, env(s.cache));
        assert.equal(run.code, 0, run.stderr);
        const json = await readJson(s.out);
        assert.deepEqual(Object.keys(json), ["cat", "dog", "owl", "eel"]);
        for (const list of Object.values(json)) assert.equal(list.length, 6);
        // Every (class, question) was answered exactly once across both runs.
        const answered = perPrompt(server.answered().map((r) => r.prompt));
        assert.equal(answered.size, 12);
        assert.deepEqual(new Set(answered.values()), new Set([1]));
        assert.match(run.stderr, new RegExp(`${before * 2} answers from the cache`));
      },
    );
  });

  test("labels from a file; usage errors exit 2", async () => {
    const s = scratch();
    const labels = join(tmp, "labels.txt");
    await writeFile(labels, "cat\n# comment\n\ndog\n");
    await withServer({}, async (server) => {
      const run = await runCli(
        describeArgs(server.baseURL, s.out, [
          "--labels-file",
          labels,
          "--questions",
          "seed",
          "--n",
          "1",
        ]),
        env(s.cache),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(Object.keys(await readJson(s.out)), ["cat", "dog"]);
      const noLabels = await runCli(describeArgs(server.baseURL, s.out), env(s.cache));
      assert.equal(noLabels.code, 2);
      const badQ = await runCli(
        describeArgs(server.baseURL, s.out, ["-l", "cat", "--questions", join(tmp, "nope.txt")]),
        env(s.cache),
      );
      assert.equal(badQ.code, 2);
      assert.match(badQ.stderr, /cannot read questions file/);
      const noModel = await runCli(["describe", "-l", "cat"], env(s.cache));
      assert.equal(noModel.code, 2);
    });
  });
});
