/**
 * `classify --store` and `eval --store` read stored embeddings instead of the images: their
 * predictions and metrics equal those of classifying / evaluating the files themselves.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("classify --store and eval --store (probe model)", () => {
  let dir: string;
  let probe: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let templates: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-classify-store-"));
    probe = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 4 });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    store = join(dir, "photos.zcstore");
    templates = join(dir, "templates.json");
    await writeFile(templates, JSON.stringify(["a photo of {}.", "a {} thing.", "{}"]));
    const run = await runCli(["index", ds.root, "--store", store, "--model", probe], env);
    assert.equal(run.code, 1, run.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const labels = ["blue", "cyan", "green", "magenta", "red", "yellow"].join(",");

  it("classify --store gives the predictions of classify on the files", async () => {
    const prompt = ["-l", labels, "--templates-file", templates, "-k", "3", "--format", "jsonl"];
    const files = await runCli(["classify", ds.root, "--model", probe, ...prompt], env);
    const fromStore = await runCli(["classify", "--store", store, ...prompt], env);
    assert.equal(files.code, 1, files.stderr);
    assert.equal(fromStore.code, 1, fromStore.stderr);
    const a = parseJsonl(files.stdout);
    const b = parseJsonl(fromStore.stdout);
    assert.equal(b.length, ds.images.length + 1);
    assert.deepEqual(
      b.map((r) => r.input),
      a.map((r) => resolve(r.input as string)),
    );
    b.forEach((r, i) => {
      if (a[i].error) {
        assert.match(String(r.error), /not an image/);
        // The file's code, and the stored failure's: the same (the store keeps both).
        assert.deepEqual([a[i].code, r.code], ["image_unreadable", "image_unreadable"]);
      } else assert.deepEqual(r.predictions, a[i].predictions);
    });
  });

  it("classify --store with inputs keeps to those files and folders", async () => {
    const folder = join(ds.root, ds.classes[2]);
    const one = ds.images[0].path;
    const run = await runCli(
      [
        "classify",
        one,
        folder,
        join(dir, "elsewhere.png"),
        "--store",
        store,
        "-l",
        labels,
        "--format",
        "jsonl",
      ],
      env,
    );
    const out = parseJsonl(run.stdout);
    const inFolder = ds.images.filter((i) => i.label === ds.classes[2]).map((i) => i.path);
    assert.deepEqual(
      out.map((r) => r.input),
      [one, ...inFolder, join(dir, "elsewhere.png")],
    );
    assert.match(String(out.at(-1)!.error), /not in the store/);
    assert.equal(out.at(-1)!.code, "not_indexed");
    assert.equal(run.code, 1);
  });

  it("eval --store equals eval on the folder, labels from the folder names", async () => {
    const strategies = ["-s", "base=single:a photo of a {}.", "-s", `ens=ensemble:${templates}`];
    const files = await runCli(
      ["eval", ds.root, "--model", probe, ...strategies, "--format", "json", "--no-cache"],
      env,
    );
    const fromStore = await runCli(
      ["eval", "--store", store, ...strategies, "--format", "json"],
      env,
    );
    assert.equal(fromStore.code, 1, fromStore.stderr); // the corrupt image, listed as failed
    const a = JSON.parse(files.stdout);
    const b = JSON.parse(fromStore.stdout);
    assert.deepEqual(b.classes, a.classes);
    assert.deepEqual(b.images, a.images);
    for (const name of ["base", "ens"]) {
      const sa = a.strategies[name];
      const sb = b.strategies[name];
      for (const key of ["top1", "top5", "mean_per_class_recall", "per_class", "confusion"]) {
        assert.deepEqual(sb[key], sa[key], `${name}.${key}`);
      }
      assert.deepEqual(
        sb.predictions.map((p: { predicted: string }) => p.predicted),
        sa.predictions.map((p: { predicted: string }) => p.predicted),
      );
    }
    assert.match(fromStore.stderr, /embeddings: 24 from .*photos\.zcstore, 1 missing or failed/);
  });

  it("eval DATASET --store looks the dataset's images up in the store", async () => {
    const list = join(ds.root, "list.csv");
    await writeFile(list, ds.csv);
    const run = await runCli(
      ["eval", list, "--store", store, "-s", "single:a photo of a {}.", "--format", "json"],
      env,
    );
    const doc = JSON.parse(run.stdout);
    assert.deepEqual(doc.images, {
      total: ds.images.length + 1,
      evaluated: ds.images.length,
      failed: 1,
    });
  });
});
