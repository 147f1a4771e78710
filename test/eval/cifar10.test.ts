/**
 * `zeroclip eval` on real photos: ../shared/data/cifar10-test with the shared tiny model and the
 * CuPL CIFAR-10 descriptions (skipped without ../shared). 20 images per class keep it quick.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import { CIFAR10_CLASSES } from "../support/datasets.js";
import { sharedPath } from "../support/paths.js";
import { checkStrategy, type EvalDoc, reportData } from "./recompute.js";

const cifar = sharedPath("data", "cifar10-test");
const tiny = sharedPath("models", "tiny-clip");
const cupl = sharedPath("prompts", "cupl_cifar10_full.json");
const templates = sharedPath("templates", "clip_benchmark_templates.json");
const skip =
  cifar && tiny && cupl && templates ? false : "../shared (cifar10-test, tiny-clip) is absent";

describe("zeroclip eval on cifar10-test", { skip }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-cifar-"));
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const args = (report?: string) => [
    "eval",
    cifar!,
    "--model",
    tiny!,
    "--per-class",
    "20",
    "--strategy",
    "single=single:a photo of a {}.",
    "--strategy",
    `cupl=cupl:${cupl}`,
    "--format",
    "json",
    ...(report ? ["--report", report] : []),
  ];

  it("prints both strategies' metrics and writes the report", async () => {
    const report = join(dir, "r.html");
    const run = await runCli(args(report), env);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.deepEqual(doc.classes, CIFAR10_CLASSES);
    assert.equal(doc.images.evaluated, 200);
    assert.deepEqual(doc.failed, []);
    for (const name of ["single", "cupl"]) {
      checkStrategy(doc, name);
      for (const label of CIFAR10_CLASSES) {
        assert.equal(doc.strategies[name].predictions.filter((p) => p.label === label).length, 20);
      }
    }
    assert.match(run.stderr, /image pass: 200 computed, 0 cached, 0 failed/);
    const html = await readFile(report, "utf8");
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/); // self-contained
    const data = reportData(html) as {
      classes: string[];
      strategies: { name: string; top1: number; top5: number; confusion: number[][] }[];
      thumbs: Record<string, { src: string }>;
    };
    assert.deepEqual(data.classes, CIFAR10_CLASSES);
    for (const s of data.strategies) {
      assert.equal(s.top1, doc.strategies[s.name].top1);
      assert.equal(s.top5, doc.strategies[s.name].top5);
      assert.deepEqual(s.confusion, doc.strategies[s.name].confusion.matrix);
    }
    const thumbs = Object.values(data.thumbs);
    assert.ok(thumbs.length > 0);
    assert.ok(thumbs.every((t) => t.src.startsWith("data:image/jpeg;base64,")));
  });

  it("a second run skips the image pass", async () => {
    const run = await runCli([...args(), "--strategy", `ens=ensemble:${templates}#cifar10`], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /image pass: 0 computed, 200 cached, 0 failed/);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.deepEqual(Object.keys(doc.strategies), ["single", "cupl", "ens"]);
    checkStrategy(doc, "ens");
  });

  it("full set, 10,000 images (opt-in: ZEROCLIP_EVAL_FULL=1; about 40 s on 2 cores)", {
    skip: process.env.ZEROCLIP_EVAL_FULL === "1" ? false : "set ZEROCLIP_EVAL_FULL=1",
  }, async () => {
    const full = { ZEROCLIP_CACHE: join(dir, "full-cache") };
    const a = args().filter((x, i, all) => x !== "--per-class" && all[i - 1] !== "--per-class");
    const run = await runCli(a, full, 300_000);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.equal(doc.images.evaluated, 10_000);
    for (const name of ["single", "cupl"]) checkStrategy(doc, name);
    assert.match(run.stderr, /image pass: 10000 computed/);
    const again = await runCli(a, full);
    assert.match(again.stderr, /image pass: 0 computed, 10000 cached/);
  });
});
