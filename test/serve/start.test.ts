/**
 * `openServer` (src/serve/start.ts), what `zeroclip serve` runs, in-process: the policy the CLI
 * file once held. With a store and no model named, the server runs on the store's model (named
 * as the store names it) and `POST /v1/search` answers what the `search` use case (`zeroclip
 * search`) answers; request checks fail before anything is opened.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { indexInputs } from "../../src/app/index-images.js";
import { search } from "../../src/app/search-request.js";
import { openServer } from "../../src/serve/start.js";
import { UsageError } from "../../src/util/errors.js";
import { encodeWithSharp, makeTempDir, noisePixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("openServer: the serve command's policy as a library call", () => {
  let dir: string;
  let modelDir: string;
  let store: string;

  before(async () => {
    dir = await makeTempDir("zeroclip-serve-start-");
    modelDir = await ensureFixtureModel("tiny");
    const images = [1, 2, 3].map((i) => join(dir, `noise-${i}.png`));
    for (const [i, f] of images.entries()) {
      await writeFile(f, await encodeWithSharp(noisePixels(40, 40, 3, i + 7), "png"));
    }
    store = join(dir, "photos.zcstore");
    const indexed = await indexInputs({
      inputs: images,
      store,
      model: { name: modelDir, preprocessWorkers: 1 },
    });
    assert.equal(indexed.report.added, 3);
  });
  after(async () => {
    if (dir) await removeDir(dir);
  });

  it("with a store: its model by default, search as the search use case answers", async () => {
    const { app, close } = await openServer({
      store,
      model: { preprocessWorkers: 1 },
      logLevel: "silent",
      diskCache: false,
    });
    try {
      const cfg = (await app.inject({ method: "GET", url: "/v1/config" })).json() as {
        model: string;
        features: string[];
      };
      assert.equal(cfg.model, modelDir, "named as the store names it");
      assert.ok(cfg.features.includes("search"));
      const res = await app.inject({
        method: "POST",
        url: "/v1/search",
        payload: { text: "a noisy picture", k: 2 },
      });
      assert.equal(res.statusCode, 200, res.body);
      const http = res.json() as { results: { input: string; score: number }[] };
      const lib = await search({
        store,
        queries: [{ text: "a noisy picture" }],
        topK: 2,
        model: { preprocessWorkers: 1 },
      });
      assert.equal(lib.model, modelDir);
      const want = lib.results[0].results ?? [];
      assert.equal(want.length, 2);
      assert.deepEqual(
        http.results.map((h) => h.input),
        want.map((h) => h.input),
      );
      for (const [i, h] of http.results.entries()) {
        assert.ok(Math.abs(h.score - want[i].score) < 1e-6, `hit ${i}`);
      }
    } finally {
      await app.close();
      await close();
    }
  });

  it("checks the request before opening anything", async () => {
    const missing = join(dir, "never-made.zcstore");
    await assert.rejects(
      openServer({ store: missing, logLevel: "loud" }),
      (err) => err instanceof UsageError && /--log-level must be one of/.test(err.message),
    );
    await assert.rejects(
      openServer({ store: missing, llm: { model: "m", baseURL: "http://u:p@localhost:1/v1" } }),
      (err) => err instanceof UsageError && /must not hold credentials/.test(err.message),
    );
    await assert.rejects(
      search({ store: missing, queries: [] }),
      (err) => err instanceof UsageError && /give a query/.test(err.message),
    );
    await assert.rejects(
      search({ store: missing, queries: [{ text: "x" }], nearest: { efSearch: 10 } }),
      (err) =>
        err instanceof UsageError &&
        /--ef-search applies only with --approximate/.test(err.message),
    );
  });
});
