/**
 * `classify --transductive` end to end on the probe model: on a folder and on a store made by
 * `zeroclip index`, the printed assignments equal the float64 reference solver run on the same
 * embeddings (computed in-process through the library), and both runs agree.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { referenceTransclip } from "../transductive/reference.js";

describe("classify --transductive (probe model)", () => {
  let dir: string;
  let probe: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let templates: string;
  const labels = ["blue", "cyan", "green", "magenta", "red", "yellow"];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-transductive-"));
    probe = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 5 });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    store = join(dir, "photos.zcstore");
    templates = join(dir, "templates.json");
    await writeFile(templates, JSON.stringify(["a photo of {}.", "a {} thing."]));
    const run = await runCli(["index", ds.root, "--store", store, "--model", probe], env);
    assert.equal(run.code, 1, run.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("on a folder and on a store, equals the reference solver on the same embeddings", async () => {
    const flags = ["-l", labels.join(","), "--templates-file", templates, "--format", "jsonl"];
    const files = await runCli(
      ["classify", ds.root, "--model", probe, "--transductive", ...flags],
      env,
    );
    const stored = await runCli(["classify", "--store", store, "--transductive", ...flags], env);
    assert.equal(files.code, 1, files.stderr); // the corrupt file
    assert.equal(stored.code, 1, stored.stderr);
    assert.match(files.stderr, /warning: --transductive on a small set \(30 images for 6 labels\)/);
    assert.match(files.stderr, /images changed label from zero-shot/);
    // Progress: each phase is announced when it starts, in order (30 images, the corrupt one failed).
    for (const [run, source] of [
      [files, "embedded"],
      [stored, `read from ${store}`],
    ] as const) {
      const phases = [
        `transductive: 30 images ${source} (1 failed) in `,
        "; exact neighbour graph, then TransCLIP over 30 images × 6 labels (11 rounds)\n",
        "transductive: ",
      ];
      let at = -1;
      for (const p of phases) {
        const next = run.stderr.indexOf(p, at + 1);
        assert.ok(next > at, `${JSON.stringify(p)} after offset ${at} in:\n${run.stderr}`);
        at = next;
      }
      assert.match(run.stderr, /changed label from zero-shot \(\d+\.\d s in all\)\n/);
    }
    const a = parseJsonl(files.stdout);
    const b = parseJsonl(stored.stdout);
    assert.equal(a.length, ds.images.length + 1);
    assert.deepEqual(
      b.map((r) => r.predictions),
      a.map((r) => r.predictions),
    );

    const model = await ClipModel.load(probe);
    try {
      const classifier = await ZeroShotClassifier.create(model, {
        labels,
        templates: ["a photo of {}.", "a {} thing."],
      });
      const paths = ds.images.map((i) => i.path);
      const embedded = await model.embedImages(paths);
      const ref = referenceTransclip(
        embedded.map((r) => r.embedding!),
        classifier.classEmbeddings,
      );
      const byInput = new Map(a.map((r) => [r.input as string, r]));
      for (const [i, p] of paths.entries()) {
        const printed = byInput.get(p)!.predictions as { label: string; score: number }[];
        assert.equal(printed.length, labels.length);
        assert.equal(printed[0].label, labels[ref.predictions[i]]);
        for (const { label, score } of printed) {
          const want = ref.z[i][labels.indexOf(label)];
          assert.ok(
            Math.abs(score - want) <= 1e-6 + 1e-5 * want,
            `${p} ${label}: ${score} vs ${want}`,
          );
        }
      }
    } finally {
      await model.dispose();
    }
  });

  it("refuses --adapter with --transductive", async () => {
    const run = await runCli(
      ["classify", ds.root, "--transductive", "--adapter", join(dir, "none.safetensors")],
      env,
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--transductive works on zero-shot classes/);
  });
});
