/**
 * The image index on real photos (../shared/data/cifar10-test, two classes): with the probe
 * model's colour-grid embeddings (at the photos' own 32 × 32 pixels), an image query's results
 * are the exact cosine top-k of a brute-force search over the files' own embeddings, and
 * `classify --store` equals `classify` on the files. Skipped when ../shared is absent.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expandInputs } from "../../src/image/source.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { SMALL_PHOTOS_PROBE } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { sharedPath } from "../support/paths.js";
import { bruteForce } from "../support/store-contract.js";

const cifar = sharedPath("data", "cifar10-test");

describe("index and search on CIFAR-10 photos (probe model)", {
  skip: !cifar && "../shared absent",
}, () => {
  let dir: string;
  let probe: string;
  let store: string;
  let env: NodeJS.ProcessEnv;
  let folders: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-cifar-index-"));
    probe = await ensureFixtureModel("probe", SMALL_PHOTOS_PROBE);
    store = join(dir, "cifar.zcstore");
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    folders = [join(cifar!, "cat"), join(cifar!, "ship")];
    const run = await runCli(
      ["index", ...folders, "--store", store, "--model", probe, "--format", "json"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      added: 2000,
      updated: 0,
      removed: 0,
      unchanged: 0,
      failed: 0,
    });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("an image query returns the exact top-k over the photos' embeddings", async () => {
    const files = await expandInputs(folders);
    const model = await ClipModel.load(probe);
    try {
      const embedded = await model.embedImages(files);
      const items = embedded.map((r) => ({ input: r.input, embedding: r.embedding! }));
      const queries = [files[3], files[1500]];
      const run = await runCli(
        [
          "search",
          "--store",
          store,
          "-k",
          "8",
          "--format",
          "jsonl",
          ...queries.flatMap((q) => ["--image", q]),
        ],
        env,
      );
      const blocks = parseJsonl(run.stdout) as { results: { input: string; score: number }[] }[];
      queries.forEach((q, i) => {
        const want = bruteForce(items, items[files.indexOf(q)].embedding, 8);
        assert.deepEqual(
          blocks[i].results.map((r) => r.input),
          want.map((w) => w.input),
        );
        assert.equal(blocks[i].results[0].input, q);
      });
    } finally {
      await model.dispose();
    }
  });

  it("a second run embeds nothing; classify --store equals classify on the files", async () => {
    const again = await runCli(["index", ...folders, "--store", store, "--format", "json"], env);
    assert.equal(JSON.parse(again.stdout).unchanged, 2000);
    const labels = ["-l", "cat,ship,truck", "--format", "jsonl"];
    const files = await runCli(["classify", ...folders, "--model", probe, ...labels], env);
    const stored = await runCli(["classify", "--store", store, ...labels], env);
    const a = parseJsonl(files.stdout);
    const b = parseJsonl(stored.stdout);
    assert.equal(b.length, 2000);
    assert.deepEqual(b, a);
  });
});
