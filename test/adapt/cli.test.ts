/**
 * `zeroclip adapt` then `zeroclip classify --adapter` on generated colour folders with the probe
 * model (colour-grid vision tower, random text tower): the printed probabilities equal an
 * independent float64 computation from the papers' formulas for all three methods, the search
 * picks what an exhaustive check picks, Tip-Adapter with α = 0 is zero-shot, the file parses by
 * the safetensors layout and round-trips, and mistakes get one-line errors.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeAdapter, readAdapterFile } from "../../src/adapt/adapter-file.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import {
  type GeneratedDataset,
  SMALL_PHOTOS_PROBE,
  writeColourDataset,
} from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import {
  argmaxRef,
  distRef,
  dotRef,
  gdaLogitsRef,
  gdaRef,
  klRef,
  normalizeRef,
  softmaxRef,
  tipRef,
  tipXRef,
  zeroShotRef,
} from "./reference.js";

interface Header {
  __metadata__: Record<string, string>;
  [name: string]: unknown;
}

/** The header of a safetensors file, read by the format's layout. */
function parseLayout(bytes: Buffer): { header: Header; dataStart: number } {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Header;
  return { header, dataStart: 8 + n };
}

type Records = { input: string; predictions: { label: string; score: number }[] }[];

/** Each input's probabilities, by label. */
function scores(records: Records): Map<string, Map<string, number>> {
  return new Map(
    records.map((r) => [r.input, new Map(r.predictions.map((p) => [p.label, p.score]))]),
  );
}

describe("zeroclip adapt / classify --adapter (probe model)", () => {
  let dir: string;
  let probe: string;
  let env: NodeJS.ProcessEnv;
  let support: GeneratedDataset;
  let val: GeneratedDataset;
  let query: GeneratedDataset;
  let classes: string[];
  let W: number[][];
  const feature = new Map<string, Float32Array>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-adapt-cli-"));
    probe = await ensureFixtureModel("probe", SMALL_PHOTOS_PROBE);
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    support = await writeColourDataset(join(dir, "support"), { perClass: 5, corrupt: false });
    val = await writeColourDataset(join(dir, "val"), {
      perClass: 3,
      corrupt: false,
      firstIndex: 5,
    });
    query = await writeColourDataset(join(dir, "query"), {
      perClass: 2,
      corrupt: false,
      firstIndex: 8,
    });
    classes = support.classes;
    const model = await ClipModel.load(probe, { preprocessWorkers: 1 });
    try {
      const paths = [...support.images, ...val.images, ...query.images].map((i) => i.path);
      const embedded = await model.embedImages(paths);
      embedded.forEach((r, i) => {
        feature.set(paths[i], r.embedding!);
      });
      const texts = await model.embedTexts(classes.map((c) => `a photo of a ${c}.`));
      W = texts.map((t) => normalizeRef(t));
    } finally {
      await model.dispose();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const features = (ds: GeneratedDataset) => ds.images.map((i) => feature.get(i.path)!);
  const labels = (ds: GeneratedDataset) => ds.images.map((i) => classes.indexOf(i.label));

  async function adapt(out: string, ...args: string[]) {
    const run = await runCli(
      ["adapt", support.root, "--model", probe, "--out", out, "--format", "json", ...args],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    return { summary: JSON.parse(run.stdout), stderr: run.stderr };
  }

  async function classify(adapter: string): Promise<Map<string, Map<string, number>>> {
    const run = await runCli(
      ["classify", query.root, "--model", probe, "--adapter", adapter, "--format", "jsonl"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    return scores(parseJsonl(run.stdout) as unknown as Records);
  }

  /** The printed scores (6 significant digits) equal softmax(expected logits). */
  function checkScores(
    got: Map<string, Map<string, number>>,
    logits: (f: Float32Array) => number[],
  ) {
    assert.equal(got.size, query.images.length);
    for (const img of query.images) {
      const probs = softmaxRef(logits(feature.get(img.path)!));
      const row = got.get(img.path)!;
      classes.forEach((c, k) => {
        const g = row.get(c)!;
        assert.ok(
          Math.abs(g - probs[k]) <= 1e-6 + 1e-5 * probs[k],
          `${img.path} ${c}: ${g} vs ${probs[k]}`,
        );
      });
    }
  }

  it("Tip-Adapter (--augment-views 0): probabilities equal the formula", async () => {
    const out = join(dir, "tip.safetensors");
    const { summary } = await adapt(
      out,
      "--method",
      "tip-adapter",
      "--augment-views",
      "0",
      "--alpha",
      "2",
      "--beta",
      "4",
    );
    assert.equal(summary.support_images, 30);
    assert.equal(summary.searched, false);
    const keys = features(support);
    const y = labels(support);
    checkScores(await classify(out), (f) => tipRef(f, W, keys, y, 2, 4, 100));
  });

  it("TIP-X (--augment-views 0): probabilities equal tipx.py's formula, ranges from the keys", async () => {
    const out = join(dir, "tipx.safetensors");
    await adapt(
      out,
      "--method",
      "tip-x",
      "--augment-views",
      "0",
      "--alpha",
      "1.5",
      "--beta",
      "3",
      "--gamma",
      "0.7",
    );
    const keys = features(support);
    const y = labels(support);
    // Without validation images the rescaling ranges are measured on the keys themselves.
    const kls = keys.flatMap((a) => keys.map((b) => klRef(distRef(a, W, 0.5), distRef(b, W, 0.5))));
    const affs = keys.flatMap((a) => keys.map((b) => dotRef(a, b)));
    const klRange: [number, number] = [Math.min(...kls), Math.max(...kls)];
    const affRange: [number, number] = [Math.min(...affs), Math.max(...affs)];
    checkScores(await classify(out), (f) =>
      tipXRef(f, W, keys, y, {
        alpha: 1.5,
        beta: 3,
        gamma: 0.7,
        s: 100,
        t: 0.5,
        klRange,
        affRange,
      }),
    );
  });

  it("GDA (--augment-views 0): probabilities equal main_few_shots.py's formula", async () => {
    const out = join(dir, "gda.safetensors");
    await adapt(out, "--method", "gda", "--augment-views", "0", "--alpha", "0.5");
    const g = gdaRef(features(support), labels(support), classes.length);
    checkScores(await classify(out), (f) => gdaLogitsRef(f, W, g, 0.5, 100));
  });

  it("the search on --val picks what an exhaustive check picks (Tip-Adapter and GDA)", async () => {
    const keys = features(support);
    const y = labels(support);
    const vf = features(val);
    const vy = labels(val);
    const correct = (logits: (f: Float32Array) => number[]) =>
      vf.filter((f, i) => argmaxRef(logits(f)) === vy[i]).length;

    const tipOut = join(dir, "tip-searched.safetensors");
    const tip = await adapt(
      tipOut,
      "--method",
      "tip-adapter",
      "--augment-views",
      "0",
      "--val",
      val.root,
      "--search-steps",
      "30,8",
    );
    let best = { beta: 0, alpha: 0, n: 0 };
    for (let i = 0; i < 30; i++) {
      const beta = (i * (7 - 0.1)) / 30 + 0.1;
      for (let j = 0; j < 8; j++) {
        const alpha = (j * (3 - 0.1)) / 8 + 0.1;
        const n = correct((f) => tipRef(f, W, keys, y, alpha, beta, 100));
        if (n > best.n) best = { beta, alpha, n };
      }
    }
    assert.equal(tip.summary.searched, true);
    assert.equal(tip.summary.beta, best.beta);
    assert.equal(tip.summary.alpha, best.alpha);
    assert.equal(tip.summary.val_top1, best.n / vf.length);
    assert.match(tip.stderr, /searched on 18 validation images: α = .*, β = /);
    checkScores(await classify(tipOut), (f) => tipRef(f, W, keys, y, best.alpha, best.beta, 100));

    const gdaOut = join(dir, "gda-searched.safetensors");
    const gda = await adapt(gdaOut, "--method", "gda", "--augment-views", "0", "--val", val.root);
    const g = gdaRef(keys, y, classes.length);
    let bestAlpha = 0.1;
    let bestN = 0;
    for (const alpha of [0.0001, 0.001, 0.01, 0.1, 1, 10, 100]) {
      const n = correct((f) => gdaLogitsRef(f, W, g, alpha, 100));
      if (n > bestN) [bestAlpha, bestN] = [alpha, n];
    }
    assert.equal(gda.summary.alpha, bestAlpha);
    const { header } = parseLayout(await readFile(gdaOut));
    assert.equal(header.__metadata__.alpha, String(bestAlpha));
    assert.equal(header.__metadata__.val_images, "18");
  });

  it("classify --adapter without --model uses the model the adapter was made with", async () => {
    const out = join(dir, "tip-own-model.safetensors");
    await adapt(out, "--method", "tip-adapter", "--augment-views", "0");
    const own = await runCli(["classify", query.root, "--adapter", out, "--format", "jsonl"], env);
    assert.equal(own.code, 0, own.stderr);
    assert.deepEqual(scores(parseJsonl(own.stdout) as unknown as Records), await classify(out));
  });

  it("Tip-Adapter with α = 0 gives exactly the zero-shot probabilities", async () => {
    const out = join(dir, "tip-zero.safetensors");
    await adapt(out, "--method", "tip-adapter", "--augment-views", "0", "--alpha", "0");
    const fewShot = await runCli(
      ["classify", query.root, "--model", probe, "--adapter", out, "--format", "jsonl"],
      env,
    );
    const zeroShot = await runCli(
      [
        "classify",
        query.root,
        "--model",
        probe,
        "--labels",
        classes.join(","),
        "--format",
        "jsonl",
      ],
      env,
    );
    assert.equal(fewShot.code, 0, fewShot.stderr);
    assert.equal(zeroShot.code, 0, zeroShot.stderr);
    assert.deepEqual(parseJsonl(fewShot.stdout), parseJsonl(zeroShot.stdout));
    checkScores(scores(parseJsonl(zeroShot.stdout) as unknown as Records), (f) =>
      zeroShotRef(f, W, 100),
    );
  });

  it("the file follows the safetensors layout and round-trips", async () => {
    for (const method of ["tip", "tipx", "gda"]) {
      const path = join(dir, `${method}.safetensors`);
      const bytes = await readFile(path);
      const { header, dataStart } = parseLayout(bytes);
      assert.equal((dataStart - 8) % 8, 0, "header padded to 8 bytes");
      const m = header.__metadata__;
      assert.equal(m.format, "zeroclip-adapter");
      assert.deepEqual(JSON.parse(m.classes), classes);
      assert.equal(m.logit_scale, "100");
      assert.equal(m.embedding_dim, "48");
      assert.match(m.model_fingerprint, /^[0-9a-f]{64}$/);
      assert.equal(m.augment_views, "0");
      const tensor = (name: string) =>
        header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
      assert.deepEqual(tensor("class_embeddings").shape, [6, 48]);
      // W as stored equals the text embeddings.
      const w = tensor("class_embeddings");
      const first = bytes.readFloatLE(dataStart + w.data_offsets[0]);
      assert.ok(Math.abs(first - W[0][0]) < 1e-6);
      if (method === "gda") {
        assert.equal(m.method, "gda");
        assert.equal(m.beta, "");
        assert.equal(m.gamma, "");
        assert.deepEqual(tensor("gda_weights"), {
          ...tensor("gda_weights"),
          dtype: "F64",
          shape: [6, 48],
        });
        assert.deepEqual(tensor("gda_bias").shape, [6]);
      } else {
        assert.equal(m.method, method === "tip" ? "tip-adapter" : "tip-x");
        assert.equal(m.gamma === "", method === "tip");
        assert.equal(tensor("cache_keys").dtype, "F32");
        assert.deepEqual(tensor("cache_keys").shape, [30, 48]);
        assert.deepEqual(tensor("cache_labels"), {
          ...tensor("cache_labels"),
          dtype: "I64",
          shape: [30],
        });
        const labelsAt = dataStart + tensor("cache_labels").data_offsets[0];
        const stored = Array.from({ length: 30 }, (_, i) =>
          Number(bytes.readBigInt64LE(labelsAt + 8 * i)),
        );
        assert.deepEqual(stored, labels(support));
      }
      const file = await readAdapterFile(path);
      assert.deepEqual(
        Buffer.from(encodeAdapter(file)),
        bytes,
        `${method} round-trips byte for byte`,
      );
    }
  });

  it("augmented views: one key per image from its views, cached for the next run", async () => {
    const out = join(dir, "tip-views.safetensors");
    const first = await adapt(
      out,
      "--method",
      "tip-adapter",
      "--augment-views",
      "3",
      "--seed",
      "4",
    );
    assert.match(first.stderr, /image pass: 90 computed, 0 cached, 0 failed/);
    const again = await adapt(
      out,
      "--method",
      "tip-adapter",
      "--augment-views",
      "3",
      "--seed",
      "4",
    );
    assert.match(again.stderr, /image pass: 0 computed, 90 cached, 0 failed/);
    const gda = await adapt(
      join(dir, "gda-views.safetensors"),
      "--method",
      "gda",
      "--augment-views",
      "3",
      "--seed",
      "4",
    );
    assert.match(gda.stderr, /image pass: 0 computed, 90 cached/);
    const file = await readAdapterFile(out);
    assert.equal(file.adapter.method, "tip-adapter");
    if (file.adapter.method === "tip-adapter") {
      assert.equal(file.adapter.keys.length, 30);
      // The averaged views differ from the plain centre-crop feature.
      const plain = feature.get(support.images[0].path)!;
      assert.ok(dotRef(file.adapter.keys[0], plain) < 0.99999);
      assert.ok(Math.abs(dotRef(file.adapter.keys[0], file.adapter.keys[0]) - 1) < 1e-6);
    }
  });

  it("a support image that cannot be read is listed and left out (exit 1)", async () => {
    const bad = await writeColourDataset(join(dir, "with-corrupt"), { perClass: 2 });
    const out = join(dir, "partial.safetensors");
    const run = await runCli(
      [
        "adapt",
        bad.root,
        "--model",
        probe,
        "--method",
        "gda",
        "--augment-views",
        "0",
        "--out",
        out,
        "--format",
        "json",
      ],
      env,
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /failed: .*broken\.jpg: /);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.support_images, 12);
    assert.equal(summary.failed.length, 1);
    const file = await readAdapterFile(out);
    assert.equal(file.info.support_images, "12");
  });

  it("mistakes get one-line errors and the documented exit codes", async () => {
    const tiny = await ensureFixtureModel("tiny");
    const tip = join(dir, "tip.safetensors");
    const other = await runCli(["classify", query.root, "--model", tiny, "--adapter", tip], env);
    assert.equal(other.code, 3, other.stderr);
    assert.match(other.stderr, /adapter .*tip\.safetensors was made with .*, not with /);
    const wrongLabels = await runCli(
      ["classify", query.root, "--model", probe, "--adapter", tip, "--labels", "a,b"],
      env,
    );
    assert.equal(wrongLabels.code, 2);
    assert.match(wrongLabels.stderr, /differ from the adapter's classes/);
    const sameLabels = await runCli(
      [
        "classify",
        query.root,
        "--model",
        probe,
        "--adapter",
        tip,
        "--labels",
        [...classes].reverse().join(","),
      ],
      env,
    );
    assert.equal(sameLabels.code, 0, sameLabels.stderr);
    const templates = await runCli(
      ["classify", query.root, "--model", probe, "--adapter", tip, "-t", "a {}"],
      env,
    );
    assert.equal(templates.code, 2);
    const tooMany = await runCli(
      [
        "adapt",
        support.root,
        "--model",
        probe,
        "--method",
        "gda",
        "--shots",
        "6",
        "--out",
        join(dir, "x.safetensors"),
      ],
      env,
    );
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /fewer than 6 images of "blue" \(5\), "cyan" \(5\)/);
    const notAdapter = await runCli(
      ["classify", query.root, "--model", probe, "--adapter", join(query.root, "red", "img8.png")],
      env,
    );
    assert.equal(notAdapter.code, 2);
    assert.match(notAdapter.stderr, /is not a valid safetensors file/);
    const both = await runCli(
      [
        "adapt",
        support.root,
        "--model",
        probe,
        "--method",
        "tip-x",
        "--val-split",
        "0.3",
        "--alpha",
        "1",
        "--out",
        join(dir, "y.safetensors"),
      ],
      env,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /alpha cannot be set when the values are searched/);
    const noTrain = await runCli(
      ["eval", query.root, "--model", probe, "-s", "single:{}", "--shots", "1,2"],
      env,
    );
    assert.equal(noTrain.code, 2);
    assert.match(noTrain.stderr, /--shots need --train/);
  });
});
