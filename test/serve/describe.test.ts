/**
 * POST /v1/describe against the loopback fake LLM (test/support/llm-server.ts): the same
 * descriptions as `zeroclip describe` with the same settings, the same answer cache (a request
 * the CLI already made costs nothing, and the other way round), the LLM key from
 * $OPENAI_API_KEY sent to the LLM but never logged, an endpoint that refuses → 502.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { startLlmServer } from "../support/llm-server.js";
import { errorOf, post, startServer } from "./helpers.js";

const LLM_KEY = "sk-llm-test-5e1f0a";
const LABELS = ["tree frog", "apple"];

interface DescribeBody {
  descriptions: Record<string, string[]>;
  failures: { label: string; error: string }[];
  requests: number;
  cached_answers: number;
  model: string;
}

describe("POST /v1/describe", () => {
  let dir: string;
  const env: Record<string, string | undefined> = {};
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-describe-");
    for (const k of ["ZEROCLIP_CACHE", "OPENAI_API_KEY"]) env[k] = process.env[k];
    process.env.ZEROCLIP_CACHE = join(dir, "cache");
    process.env.OPENAI_API_KEY = LLM_KEY;
  });
  after(async () => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await removeDir(dir);
  });

  it("equals `zeroclip describe` with the same settings (fresh LLMs, no cache)", async () => {
    const forCli = await startLlmServer();
    const forApi = await startLlmServer();
    const server = await startServer({ llm: { model: "test-model", baseURL: forApi.baseURL } });
    try {
      const out = join(dir, "cli.json");
      const run = await runCli([
        "describe",
        "-l",
        LABELS.join(","),
        "--llm-model",
        "test-model",
        "--llm-base-url",
        forCli.baseURL,
        "--questions",
        "seed",
        "--n",
        "3",
        "--no-cache",
        "--out",
        out,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const cli = JSON.parse(await readFile(out, "utf8"));
      const res = await post(`${server.url}/v1/describe`, {
        labels: LABELS,
        questions: "seed",
        n: 3,
      });
      assert.equal(res.status, 200, res.text);
      const body = res.body as DescribeBody;
      assert.deepEqual(body.descriptions, cli);
      assert.equal(body.descriptions["tree frog"].length, 9, "3 questions × 3 samples");
      assert.deepEqual(body.failures, []);
      assert.equal(body.model, "test-model");
      // The LLM got the key from $OPENAI_API_KEY; the server's log never shows it.
      assert.ok(forApi.requests.every((r) => r.headers.authorization === `Bearer ${LLM_KEY}`));
      for (const l of server.logs) assert.ok(!l.includes(LLM_KEY));
    } finally {
      await server.close();
      await forCli.close();
      await forApi.close();
    }
  });

  it("shares the answer cache with `zeroclip describe`", async () => {
    const llm = await startLlmServer();
    const server = await startServer({
      diskCache: true,
      llm: { model: "test-model", baseURL: llm.baseURL },
    });
    try {
      const ask = () =>
        post(`${server.url}/v1/describe`, { labels: LABELS, questions: "seed", n: 2 });
      const first = (await ask()).body as DescribeBody;
      assert.ok(first.requests > 0);
      const sent = llm.requests.length;
      const second = (await ask()).body as DescribeBody;
      assert.equal(second.requests, 0);
      assert.equal(second.cached_answers, 2 * 3 * LABELS.length);
      assert.deepEqual(second.descriptions, first.descriptions);
      const out = join(dir, "cached.json");
      const run = await runCli(
        [
          "describe",
          "-l",
          LABELS.join(","),
          "--llm-model",
          "test-model",
          "--llm-base-url",
          llm.baseURL,
        ].concat(["--questions", "seed", "--n", "2", "--out", out]),
        { ZEROCLIP_CACHE: process.env.ZEROCLIP_CACHE },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(llm.requests.length, sent, "neither the server nor the CLI asked again");
      assert.deepEqual(JSON.parse(await readFile(out, "utf8")), first.descriptions);
    } finally {
      await server.close();
      await llm.close();
    }
  });

  it("an endpoint that refuses every request is a 502; bad options are 400s", async () => {
    const llm = await startLlmServer({ plan: () => ({ status: 401, error: "bad key" }) });
    const server = await startServer({
      llm: { model: "test-model", baseURL: llm.baseURL },
      describeCustomQuestions: true,
    });
    try {
      const r = await post(`${server.url}/v1/describe`, { labels: LABELS, n: 1 });
      assert.equal(r.status, 502, r.text);
      assert.equal(errorOf(r).type, "upstream_error");
      assert.ok(!r.text.includes(LLM_KEY));
      const bad = await post(`${server.url}/v1/describe`, { labels: LABELS, n: 500 });
      assert.equal(bad.status, 400);
      const noPlaceholder = await post(`${server.url}/v1/describe`, {
        labels: LABELS,
        questions: ["Describe it"],
      });
      assert.equal(noPlaceholder.status, 400);
      assert.match(errorOf(noPlaceholder).message, /placeholder/);
      const cfg = (await (await fetch(`${server.url}/v1/config`)).json()) as { features: string[] };
      assert.ok(cfg.features.includes("describe"));
    } finally {
      await server.close();
      await llm.close();
    }
  });
});
