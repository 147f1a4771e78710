/**
 * The few-shot protocol on real photos: ../shared/data/cifar10-test with the probe model
 * (colour-grid vision tower at the photos' own 32 × 32 pixels: a weak but real image
 * representation; random text tower, so zero-shot is near the 10% chance). A fixed subset
 * keeps it quick: TRAIN = images 0000–0059 of each class, TEST = images 0500–0599 (1,000
 * photos). GDA at 16 shots must beat zero-shot by at least 10 points. Skipped without
 * ../shared.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import { CIFAR10_CLASSES, SMALL_PHOTOS_PROBE } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { sharedPath } from "../support/paths.js";
import { checkFewShotDoc, type FewShotDoc } from "./fewshot-doc.js";

const cifar = sharedPath("data", "cifar10-test");

function list(from: number, to: number): string {
  const rows = CIFAR10_CLASSES.flatMap((c) =>
    Array.from(
      { length: to - from },
      (_, i) => `${join(cifar!, c, `${String(from + i).padStart(4, "0")}.jpg`)},${c}`,
    ),
  );
  return `path,label\n${rows.join("\n")}\n`;
}

describe("few-shot on cifar10-test (probe model)", {
  skip: cifar ? false : "../shared is absent",
}, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-fewshot-cifar-"));
    await writeFile(join(dir, "train.csv"), list(0, 60));
    await writeFile(join(dir, "test.csv"), list(500, 600));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("GDA at 16 shots beats zero-shot by at least 10 points; every adapter beats it", async (t) => {
    const probe = await ensureFixtureModel("probe", SMALL_PHOTOS_PROBE);
    const run = await runCli(
      [
        "eval",
        join(dir, "test.csv"),
        "--train",
        join(dir, "train.csv"),
        "--model",
        probe,
        "--shots",
        "1,4,16",
        "--seeds",
        "1,2,3",
        "-s",
        "base=single:a photo of a {}.",
        "--format",
        "json",
      ],
      { ZEROCLIP_CACHE: join(dir, "cache") },
      300_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as FewShotDoc;
    assert.deepEqual(doc.classes, CIFAR10_CLASSES);
    assert.equal(doc.images.evaluated, 1000);
    checkFewShotDoc(doc, "base", ["tip-adapter", "tip-x", "gda"], [1, 4, 16], [1, 2, 3]);
    const zs = doc.strategies.base.top1;
    const fs = doc.strategies.base.fewshot;
    t.diagnostic(
      `zero-shot ${zs}; 16 shots: ${Object.entries(fs)
        .map(([m, v]) => `${m} ${v["16"].top1_mean.toFixed(4)} ± ${v["16"].top1_std.toFixed(4)}`)
        .join(", ")}`,
    );
    assert.ok(zs < 0.15, `zero-shot with a random text tower is near chance: ${zs}`);
    assert.ok(
      fs.gda["16"].top1_mean >= zs + 0.1,
      `GDA ${fs.gda["16"].top1_mean} vs zero-shot ${zs}`,
    );
    for (const m of ["tip-adapter", "tip-x", "gda"]) {
      assert.ok(fs[m]["16"].top1_mean > zs, `${m}: ${fs[m]["16"].top1_mean} vs ${zs}`);
    }
    // More shots help GDA.
    assert.ok(fs.gda["16"].top1_mean > fs.gda["1"].top1_mean);
  });
});
