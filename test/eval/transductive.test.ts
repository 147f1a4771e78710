/**
 * `eval --transductive`: each strategy is followed by its "NAME + TransCLIP" variant, whose
 * predictions are the float64 reference solver's on the same embeddings and class embeddings
 * (computed in-process), and whose metrics recompute from its predictions.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { referenceTransclip } from "../transductive/reference.js";
import { checkStrategy, type EvalDoc } from "./recompute.js";

describe("zeroclip eval --transductive (probe model)", () => {
  let dir: string;
  let probe: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let templates: string;
  const TEMPLATES = ["a photo of {}.", "a {} square."];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-transductive-"));
    probe = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "colours"), { perClass: 5, corrupt: false });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    templates = join(dir, "templates.json");
    await writeFile(templates, JSON.stringify(TEMPLATES));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("adds a TransCLIP variant per strategy that equals the reference", async () => {
    const out = join(dir, "eval.json");
    const run = await runCli(
      [
        "eval",
        ds.root,
        "--model",
        probe,
        "--strategy",
        "base=single:a photo of a {}.",
        "--strategy",
        `ens=ensemble:${templates}`,
        "--transductive",
        "--out",
        out,
        "--report",
        join(dir, "report.html"),
        "--format",
        "json",
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(await readFile(out, "utf8")) as EvalDoc;
    assert.deepEqual(Object.keys(doc.strategies), [
      "base",
      "base + TransCLIP",
      "ens",
      "ens + TransCLIP",
    ]);
    // The explanation section: JSON per class, and the report's static table.
    const exp = (doc.strategies.base as unknown as { explanations: Record<string, unknown> })
      .explanations;
    assert.deepEqual(Object.keys(exp), doc.classes);
    const html = await readFile(join(dir, "report.html"), "utf8");
    assert.match(html, /<section id="explanations"><h2>Explanations<\/h2>/);
    assert.match(html, /<h3>base \+ TransCLIP<\/h3>/);
    const model = await ClipModel.load(probe);
    try {
      for (const [name, tpl] of [
        ["base", ["a photo of a {}."]],
        ["ens", TEMPLATES],
      ] as const) {
        const variant = `${name} + TransCLIP`;
        checkStrategy(doc, variant);
        const preds = doc.strategies[variant].predictions;
        const classifier = await ZeroShotClassifier.create(model, {
          labels: doc.classes,
          templates: [...tpl],
        });
        const embedded = await model.embedImages(preds.map((p) => p.input));
        const ref = referenceTransclip(
          embedded.map((r) => r.embedding!),
          classifier.classEmbeddings,
        );
        assert.deepEqual(
          preds.map((p) => p.predicted),
          ref.predictions.map((c) => doc.classes[c]),
        );
      }
    } finally {
      await model.dispose();
    }
  });

  it("refuses --transductive with --train", async () => {
    const run = await runCli(["eval", ds.root, "--transductive", "--train", ds.root], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /without --train/);
  });
});
