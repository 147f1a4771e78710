/**
 * `zeroclip eval TEST --train TRAIN --shots … --seeds …` on generated colour folders with the
 * probe model (at 32 pixels, about the images' size): the JSON shape
 * (`strategies.NAME.fewshot.METHOD["K"]`), means and standard deviations that follow from the
 * runs, the shots table, a second run served from the cache, and adapters that beat zero-shot
 * (GDA at 16 shots by at least 10 points).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import {
  type GeneratedDataset,
  SMALL_PHOTOS_PROBE,
  writeColourDataset,
} from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { checkFewShotDoc, type FewShotDoc } from "./fewshot-doc.js";

describe("zeroclip eval --train (few-shot protocol, probe model)", () => {
  let dir: string;
  let probe: string;
  let env: NodeJS.ProcessEnv;
  let train: GeneratedDataset;
  let test: GeneratedDataset;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-fewshot-"));
    probe = await ensureFixtureModel("probe", SMALL_PHOTOS_PROBE);
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    train = await writeColourDataset(join(dir, "train"), { perClass: 22, corrupt: false });
    test = await writeColourDataset(join(dir, "test"), {
      perClass: 6,
      corrupt: false,
      firstIndex: 22,
    });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const args = (out: string) => [
    "eval",
    test.root,
    "--train",
    train.root,
    "--model",
    probe,
    "--shots",
    "1,4,16",
    "--seeds",
    "1,2",
    "-s",
    "base=single:a photo of a {}.",
    "--format",
    "json",
    "--out",
    out,
  ];

  it("writes strategies.NAME.fewshot.METHOD[K], the shots table, and adapters beat zero-shot", async () => {
    const out = join(dir, "fewshot.json");
    const run = await runCli(args(out), env, 300_000);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as FewShotDoc;
    assert.deepEqual(JSON.parse(await readFile(out, "utf8")), doc);
    const methods = ["tip-adapter", "tip-x", "gda"];
    checkFewShotDoc(doc, "base", methods, [1, 4, 16], [1, 2]);
    assert.deepEqual(doc.fewshot.shots, [1, 4, 16]);
    assert.equal(doc.fewshot.augment_views, 10);
    assert.equal(doc.fewshot.train, train.root);
    assert.deepEqual(doc.fewshot.train_images.failed, []);
    // Views of the union of the support sets (16 per class per seed) and the validation images.
    assert.ok(doc.fewshot.train_images.computed > 2 * 6 * 16 * 10);
    const zs = doc.strategies.base.top1;
    const fs = doc.strategies.base.fewshot;
    for (const m of methods) {
      assert.ok(fs[m]["16"].top1_mean > zs, `${m} at 16 shots: ${fs[m]["16"].top1_mean} vs ${zs}`);
    }
    assert.ok(
      fs.gda["16"].top1_mean >= zs + 0.1,
      `GDA ${fs.gda["16"].top1_mean} vs zero-shot ${zs}`,
    );
    assert.match(run.stderr, /strategy +method +zero-shot +1-shot +4-shot +16-shot/);
    assert.match(run.stderr, /base +gda +\d+\.\d\d% +\d+\.\d\d ± \d+\.\d\d%/);

    // A second run embeds nothing: test images, views and validation images are all cached.
    const again = await runCli(args(join(dir, "again.json")), env, 300_000);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /image pass: 0 computed, 36 cached/);
    const doc2 = JSON.parse(again.stdout) as FewShotDoc;
    assert.equal(doc2.fewshot.train_images.computed, 0);
    assert.deepEqual(doc2.strategies.base.fewshot, fs);
  });

  it("refuses a training set that shares images with the test set", async () => {
    const run = await runCli(
      [
        "eval",
        test.root,
        "--train",
        test.root,
        "--model",
        probe,
        "-s",
        "single:{}",
        "--shots",
        "1",
      ],
      env,
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the training set and the test set share 36 images/);
  });
});
