/**
 * classify --descriptions: probabilities equal a hand computation of both aggregates, the
 * class-embedding cache, and the published CuPL files.
 */
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import type { Aggregate } from "../../src/classify/class-embeddings.js";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import {
  classEmbeddingKey,
  decodeEmbeddings,
  encodeEmbeddings,
} from "../../src/classify/embedding-cache.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { readDescriptionsFile } from "../../src/prompts/files.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { sharedPath } from "../support/paths.js";
import { tinyModelDir } from "./tiny-model.js";

// ---- plain math, independent of src/math ----
const mean = (rows: number[][]) =>
  rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
const normalize = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dotp = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/** The class embedding by hand from raw (unnormalized) text embeddings. */
function handClassEmbedding(raw: number[][], aggregate: Aggregate): number[] {
  return aggregate === "normalized-mean"
    ? normalize(mean(raw.map(normalize)))
    : normalize(mean(raw));
}

const DESCRIPTIONS: Record<string, string[]> = {
  "tree frog": [
    "A tree frog is a small frog that typically has greenish coloration.",
    "Tree frogs have large adhesive toes.",
    "Tree frogs have large adhesive toes.", // a repeat weights the mean
  ],
  "tailed frog": [
    "A tailed frog is a species of frog.",
    "The tailed frog lives in cold, fast streams and has a short tail-like organ.",
  ],
  "origami horse": [
    "An origami horse is folded from a single square of paper.",
    "It has sharp creases.",
    "A paper horse with long legs and a pointed head.",
    "Origami horses come in many colours",
  ],
};
const LABELS = Object.keys(DESCRIPTIONS);

let tmp: string;
let modelDir: string;
const images: string[] = [];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "zeroclip-cupl-classify-"));
  modelDir = await tinyModelDir();
  // Two deterministic noise images.
  for (const seed of [1, 2]) {
    const w = 40;
    const h = 30;
    const data = Buffer.alloc(w * h * 3);
    let s = seed;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = s >>> 24;
    }
    const file = join(tmp, `img${seed}.png`);
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(file);
    images.push(file);
  }
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function withModel<T>(fn: (m: ClipModel) => Promise<T>): Promise<T> {
  const model = await ClipModel.load(modelDir);
  try {
    return await fn(model);
  } finally {
    await model.dispose();
  }
}

/** Expected probabilities per image (label → p), computed by hand. */
async function handProbabilities(
  descriptions: Record<string, string[]>,
  aggregate: Aggregate,
  templates: string[] = [],
  labels: readonly string[] = LABELS,
  inputs: readonly string[] = images,
): Promise<Record<string, number>[]> {
  return withModel(async (model) => {
    const classes = await Promise.all(
      labels.map(async (label) => {
        const texts = [...descriptions[label], ...templates.map((t) => t.replace("{}", label))];
        const raw = await model.embedTexts(texts, { normalize: false });
        return handClassEmbedding(
          raw.map((e) => Array.from(e)),
          aggregate,
        );
      }),
    );
    const embedded = await model.embedImages(inputs, { normalize: false });
    return embedded.map((r) => {
      const img = normalize(Array.from(r.embedding!));
      // CLIP's trained logit scale, 100 (docs/usage.md), not read from the model.
      const probs = softmax(classes.map((c) => 100 * dotp(img, c)));
      return Object.fromEntries(labels.map((l, i) => [l, probs[i]]));
    });
  });
}

function scoresOf(stdout: string): Record<string, number>[] {
  return parseJsonl(stdout).map((r) =>
    Object.fromEntries(
      (r.predictions as { label: string; score: number }[]).map((p) => [p.label, p.score]),
    ),
  );
}

/** The CLI prints 6 significant digits; float32 class embeddings add ~1e-6. */
const tolerance = (p: number) => 1e-5 + 1e-4 * p;

function assertClose(actual: Record<string, number>[], expected: Record<string, number>[]) {
  assert.equal(actual.length, expected.length);
  for (const [i, exp] of expected.entries()) {
    assert.deepEqual(Object.keys(actual[i]).sort(), Object.keys(exp).sort());
    for (const label of Object.keys(exp)) {
      const a = actual[i][label];
      const e = exp[label];
      assert.ok(Math.abs(a - e) <= tolerance(e), `image ${i} ${label}: ${a} vs hand ${e}`);
    }
  }
}

describe("classify --descriptions (CuPL)", () => {
  test("probabilities equal a hand computation, for both aggregates", async () => {
    const file = join(tmp, "descriptions.json");
    await writeFile(file, JSON.stringify(DESCRIPTIONS));
    const byMode: Record<string, Record<string, number>[]> = {};
    for (const aggregate of ["normalized-mean", "pooled-mean"] as const) {
      const run = await runCli(
        [
          "classify",
          ...images,
          "--model",
          modelDir,
          "--labels",
          LABELS.join(","),
          "--descriptions",
          file,
          "--aggregate",
          aggregate,
          "--format",
          "jsonl",
          "--no-cache",
        ],
        { ZEROCLIP_CACHE: join(tmp, "unused-cache") },
      );
      assert.equal(run.code, 0, run.stderr);
      const got = scoresOf(run.stdout);
      assertClose(got, await handProbabilities(DESCRIPTIONS, aggregate));
      byMode[aggregate] = got;
    }
    // The two modes really differ on this model (by more than the comparison tolerance), so
    // the test tells them apart.
    const gap = Math.max(
      ...LABELS.map((l) => {
        const [a, b] = [byMode["normalized-mean"][0][l], byMode["pooled-mean"][0][l]];
        return Math.abs(a - b) / tolerance(Math.max(a, b));
      }),
    );
    assert.ok(gap > 3, `aggregates differ by only ${gap.toFixed(2)} × the tolerance`);
    await assert.rejects(readdir(join(tmp, "unused-cache")), /ENOENT/, "--no-cache writes nothing");
  });

  test("CuPL+e: descriptions together with templates", async () => {
    const file = join(tmp, "descriptions-e.json");
    await writeFile(file, JSON.stringify(DESCRIPTIONS));
    const templates = ["a photo of a {}.", "a drawing of a {}."];
    const run = await runCli([
      "classify",
      ...images,
      "--model",
      modelDir,
      "--labels",
      LABELS.join(","),
      "--descriptions",
      file,
      ...templates.flatMap((tpl) => ["-t", tpl]),
      "--aggregate",
      "normalized-mean",
      "--format",
      "jsonl",
      "--no-cache",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assertClose(
      scoresOf(run.stdout),
      await handProbabilities(DESCRIPTIONS, "normalized-mean", templates),
    );
  });

  test("pooled-mean uses the normalized mean of unnormalized projected embeddings", async () => {
    await withModel(async (model) => {
      const clf = await ZeroShotClassifier.create(model, {
        labels: LABELS,
        descriptions: DESCRIPTIONS,
        aggregate: "pooled-mean",
      });
      for (const [i, label] of LABELS.entries()) {
        const raw = await model.embedTexts(DESCRIPTIONS[label], { normalize: false });
        const expected = normalize(mean(raw.map((e) => Array.from(e))));
        const got = Array.from(clf.classEmbeddings[i]);
        for (const [j, x] of expected.entries()) assert.ok(Math.abs(got[j] - x) < 1e-6, label);
      }
    });
  });
});

describe("class-embedding cache", () => {
  test("a second create() runs no text encoder; aggregate and texts are part of the key", async () => {
    const cache = join(tmp, "lib-cache");
    await withModel(async (model) => {
      let calls = 0;
      const embed = model.embedTexts.bind(model);
      model.embedTexts = (texts, opts) => {
        calls++;
        return embed(texts, opts);
      };
      const opts = { labels: LABELS, descriptions: DESCRIPTIONS, cache };
      const a = await ZeroShotClassifier.create(model, opts);
      assert.equal(calls, 1);
      const b = await ZeroShotClassifier.create(model, opts);
      assert.equal(calls, 1, "cache hit: no encoder call");
      assert.deepEqual(b.classEmbeddings, a.classEmbeddings);
      assert.equal((await readdir(cache)).filter((f) => f.endsWith(".bin")).length, 1);

      await ZeroShotClassifier.create(model, { ...opts, aggregate: "pooled-mean" });
      assert.equal(calls, 2, "another aggregate is another entry");
      await ZeroShotClassifier.create(model, { ...opts, aggregate: "pooled-mean" });
      assert.equal(calls, 2);
      await ZeroShotClassifier.create(model, { ...opts, templates: ["a photo of a {}."] });
      assert.equal(calls, 3, "other texts are another entry");
      await ZeroShotClassifier.create(model, { ...opts, cache: false });
      assert.equal(calls, 4, "cache: false always encodes");
    });
  });

  test("the CLI reads the cache (proved by a doctored entry) and --no-cache bypasses it", async () => {
    const cacheRoot = join(tmp, "cli-cache");
    const file = join(tmp, "descriptions-cli.json");
    await writeFile(file, JSON.stringify(DESCRIPTIONS));
    const args = (extra: string[] = []) => [
      "classify",
      images[0],
      "--model",
      modelDir,
      "--labels",
      LABELS.join(","),
      "--descriptions",
      file,
      "--format",
      "jsonl",
      ...extra,
    ];
    const env = { ZEROCLIP_CACHE: cacheRoot };
    const first = await runCli(args(), env);
    assert.equal(first.code, 0, first.stderr);
    const dir = join(cacheRoot, "class-embeddings");
    const entries = (await readdir(dir)).filter((f) => f.endsWith(".bin"));
    assert.equal(entries.length, 1);
    // Swap the first two classes' cached embeddings: a run that reads the cache must swap
    // their probabilities; one that runs the encoder cannot.
    const path = join(dir, entries[0]);
    const rows = decodeEmbeddings(await readFile(path), LABELS.length)!;
    await writeFile(path, encodeEmbeddings([rows[1], rows[0], rows[2]]));
    const second = await runCli(args(), env);
    assert.equal(second.code, 0, second.stderr);
    const [p1] = scoresOf(first.stdout);
    const [p2] = scoresOf(second.stdout);
    assert.equal(p2[LABELS[0]], p1[LABELS[1]]);
    assert.equal(p2[LABELS[1]], p1[LABELS[0]]);
    const bypass = await runCli(args(["--no-cache"]), env);
    assert.deepEqual(scoresOf(bypass.stdout), scoresOf(first.stdout));
  });

  test("the key follows the text side's content (ONNX file, config, tokenizer files), dtype and texts", async () => {
    const dir = join(tmp, "fake-model");
    await mkdir(join(dir, "onnx"), { recursive: true });
    const onnx = join(dir, "onnx", "text_model.onnx");
    await writeFile(onnx, "weights v1");
    await writeFile(join(dir, "config.json"), "{}");
    await writeFile(join(dir, "tokenizer.json"), '{"v": 1}');
    const fake = { dir, dtype: "fp32" as const, embedTexts: async () => [] };
    const texts = [["a"], ["b"]];
    const key = () => classEmbeddingKey(fake, texts, "normalized-mean");
    const k1 = await key();
    assert.ok(k1);
    assert.equal(await key(), k1);
    await utimes(onnx, new Date(), new Date(Date.now() + 5000));
    assert.equal(await key(), k1, "touched, same content: same key");
    await writeFile(onnx, "weights v2");
    const k2 = await key();
    assert.notEqual(k2, k1, "same size, other content");
    await writeFile(join(dir, "tokenizer.json"), '{"v": 2}');
    const k3 = await key();
    assert.notEqual(k3, k2, "tokenizer.json");
    await writeFile(join(dir, "tokenizer_config.json"), "{}");
    const k4 = await key();
    assert.notEqual(k4, k3, "tokenizer_config.json");
    await writeFile(join(dir, "config.json"), '{"x": 1}');
    assert.notEqual(await key(), k4, "config.json");
    assert.equal(
      await classEmbeddingKey({ ...fake, dtype: "q8" }, texts, "normalized-mean"),
      undefined,
      "no q8 file: nothing cached",
    );
    assert.notEqual(
      await classEmbeddingKey(fake, [["a", "c"], ["b"]], "normalized-mean"),
      await key(),
    );
    // The same files in another directory are the same model.
    const copy = join(tmp, "fake-model-copy");
    await cp(dir, copy, { recursive: true });
    assert.equal(
      await classEmbeddingKey({ ...fake, dir: copy }, texts, "normalized-mean"),
      await key(),
    );
  });
});

describe("published CuPL descriptions", () => {
  const cifar10 = sharedPath("prompts", "cupl_cifar10_full.json");
  const cifar100 = sharedPath("prompts", "cupl_cifar100_full.json");
  const data = sharedPath("data", "cifar10-test");

  test("cupl_cifar10_full.json: probabilities equal a hand computation from its descriptions", {
    skip: cifar10 && data ? false : "../shared absent",
  }, async () => {
    const desc = await readDescriptionsFile(cifar10!);
    const labels = Object.keys(desc);
    assert.equal(labels.length, 10);
    for (const l of labels) assert.ok(desc[l].length > 0);
    const files = [join(data!, "cat", "0000.jpg"), join(data!, "ship", "0001.jpg")];
    const run = (extra: string[]) =>
      runCli(
        [
          "classify",
          ...files,
          "--model",
          modelDir,
          "--labels",
          labels.join(","),
          "--format",
          "jsonl",
          "--no-cache",
          ...extra,
        ],
        { ZEROCLIP_CACHE: join(tmp, "cifar-cache") },
      );
    const byMode: Record<string, Record<string, number>[]> = {};
    for (const aggregate of ["normalized-mean", "pooled-mean"] as const) {
      const cli = await run(["--descriptions", cifar10!, "--aggregate", aggregate]);
      assert.equal(cli.code, 0, cli.stderr);
      byMode[aggregate] = scoresOf(cli.stdout);
      assertClose(byMode[aggregate], await handProbabilities(desc, aggregate, [], labels, files));
    }
    // Without descriptions the scores are the single template's, far from the CuPL ones: a run
    // that ignored --descriptions could not pass the comparison above.
    const plain = await run([]);
    assert.equal(plain.code, 0, plain.stderr);
    const base = scoresOf(plain.stdout);
    const gap = Math.max(
      ...labels.map((l) => Math.abs(base[0][l] - byMode["normalized-mean"][0][l])),
    );
    assert.ok(gap > 100 * tolerance(1), `descriptions moved scores by only ${gap}`);
  });

  test("cupl_cifar100_full.json loads", {
    skip: cifar100 ? false : "../shared absent",
  }, async () => {
    const desc = await readDescriptionsFile(cifar100!);
    assert.equal(Object.keys(desc).length, 100);
    for (const list of Object.values(desc)) {
      assert.ok(list.length > 0);
      for (const s of list) assert.equal(s, s.trim());
    }
  });
});
