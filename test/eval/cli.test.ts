/**
 * `zeroclip eval` end to end on a generated image folder (with one corrupt file) and a generated
 * random-weight model, so it runs in a fresh clone. Accuracy is near chance; what is checked is
 * the mechanics: metrics recomputed from the predictions, failures listed and excluded, cache hits.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { checkStrategy, type EvalDoc } from "./recompute.js";

async function sha(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

describe("zeroclip eval (generated dataset and model)", () => {
  let dir: string;
  let model: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let templates: string;
  let descriptions: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-cli-"));
    model = await ensureFixtureModel("tiny");
    ds = await writeColourDataset(join(dir, "colours"));
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    templates = join(dir, "templates.json");
    await writeFile(
      templates,
      JSON.stringify({ colours: ["a photo of {c}.", "a {c} square.", "something {c}."] }),
    );
    descriptions = join(dir, "descriptions.json");
    await writeFile(
      descriptions,
      JSON.stringify(
        Object.fromEntries(ds.classes.map((c) => [c, [`A ${c} picture.`, `Mostly ${c}.`]])),
      ),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const strategies = () => [
    "--strategy",
    "base=single:a photo of a {}.",
    "--strategy",
    `ens=ensemble:${templates}#colours`,
    "--strategy",
    `cupl=cupl:${descriptions}`,
    "--strategy",
    `both=cupl+ensemble:${descriptions},${templates}`,
  ];

  it("reports every strategy; metrics match the predictions; the corrupt file is listed", async () => {
    const out = join(dir, "out.json");
    const run = await runCli(
      ["eval", ds.root, "--model", model, ...strategies(), "--format", "json", "--out", out],
      env,
    );
    assert.equal(run.code, 1, run.stderr); // some images failed
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.deepEqual(JSON.parse(await readFile(out, "utf8")), doc);
    assert.deepEqual(doc.classes, ds.classes);
    assert.deepEqual(Object.keys(doc.strategies), ["base", "ens", "cupl", "both"]);
    assert.deepEqual(doc.images, {
      total: ds.images.length + 1,
      evaluated: ds.images.length,
      failed: 1,
    });
    assert.equal(doc.failed.length, 1);
    assert.equal(doc.failed[0].input, ds.corrupt);
    assert.match(doc.failed[0].error, /not an image|corrupt/);
    for (const name of Object.keys(doc.strategies)) checkStrategy(doc, name);
    const texts = Object.values(doc.strategies).map(
      (s) => (s as unknown as { texts: number }).texts,
    );
    assert.deepEqual(texts, [6, 18, 12, 30]);
    assert.match(run.stderr, /image pass: 24 computed, 0 cached, 1 failed/);
    assert.match(
      run.stderr,
      new RegExp(`failed: ${ds.corrupt!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    assert.match(run.stderr, /strategy\s+top-1\s+top-5/);
  });

  it("a second run with a new strategy skips the image pass (cache file unchanged)", async () => {
    const cacheDir = join(dir, "cache", "image-embeddings");
    const [file] = await readdir(cacheDir);
    const before = await sha(join(cacheDir, file));
    const run = await runCli(
      [
        "eval",
        ds.root,
        "--model",
        model,
        "--strategy",
        "other=single:a {} thing.",
        "--format",
        "json",
      ],
      env,
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /image pass: 0 computed, 24 cached, 1 failed/);
    assert.equal(await sha(join(cacheDir, file)), before);
    assert.deepEqual(await readdir(cacheDir), [file]);
    checkStrategy(JSON.parse(run.stdout), "other");
  });

  it("--no-exif-orientation is another cache key; --no-cache writes nothing", async () => {
    const args = ["eval", ds.root, "--model", model, "-s", "single:{}", "--format", "json"];
    const noCache = await runCli([...args, "--no-cache"], { ZEROCLIP_CACHE: join(dir, "c2") });
    assert.match(noCache.stderr, /image pass: 24 computed/);
    await assert.rejects(readdir(join(dir, "c2", "image-embeddings")));
    const exif = await runCli([...args, "--no-exif-orientation"], env);
    assert.match(exif.stderr, /image pass: 24 computed, 0 cached/);
    assert.equal((await readdir(join(dir, "cache", "image-embeddings"))).length, 2);
  });

  it("samples with --per-class from a CSV listing with a classnames list", async () => {
    const csv = join(ds.root, "list.csv");
    await writeFile(csv, ds.csv);
    const names = join(dir, "names.json");
    await writeFile(names, JSON.stringify(ds.classes.map((c) => `${c} colour`)));
    const args = [
      "eval",
      csv,
      "--model",
      model,
      "--classnames",
      names,
      "--per-class",
      "2",
      "-s",
      "base=single:a photo of a {}.",
      "--format",
      "json",
    ];
    const run = await runCli(args, env);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.deepEqual(
      doc.classes,
      ds.classes.map((c) => `${c} colour`),
    );
    assert.equal(doc.images.total, 12);
    for (const label of doc.classes) {
      const n = doc.strategies.base.predictions.filter((p) => p.label === label).length;
      const f = doc.failed.filter((p) => p.label === label).length;
      assert.equal(n + f, 2);
    }
    checkStrategy(doc, "base");
    // Same sample again (deterministic).
    const again = await runCli(args, env);
    assert.deepEqual(
      JSON.parse(again.stdout).strategies.base.predictions,
      doc.strategies.base.predictions,
    );
    assert.match(again.stderr, /0 computed/);
  });

  it("usage errors: no strategy, missing descriptions, bad dataset", async () => {
    const none = await runCli(["eval", ds.root, "--model", model], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /at least one --strategy/);
    const partial = join(dir, "partial.json");
    await writeFile(partial, JSON.stringify({ red: ["Red."] }));
    const missing = await runCli(
      ["eval", ds.root, "--model", model, "-s", `c=cupl:${partial}`],
      env,
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /strategy c: no descriptions for/);
    const bad = await runCli(["eval", join(dir, "nope"), "--model", model, "-s", "single:{}"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /dataset not found/);
  });
});
