/**
 * Retrieval metrics against hand computations (CLIP_benchmark's recall@K, CLIP's symmetric
 * InfoNCE), the pairs file formats, and `eval --task retrieval` end to end, its numbers checked
 * against a plain recomputation from `zeroclip embed` outputs.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadPairs } from "../../src/eval/pairs.js";
import {
  batchContrastiveLoss,
  contrastiveLoss,
  retrievalMetrics,
  retrievalRecalls,
} from "../../src/eval/retrieval.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

const v = (...x: number[]) => Float32Array.from(x);
const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) < tol, `${a} vs ${b} (±${tol})`);

describe("retrieval metrics (hand-computed)", () => {
  // Images on the axes of a plane; captions at chosen angles.
  const images = [v(1, 0), v(0, 1), v(-1, 0)];
  // caption → image: 0 → 0, 1 → 0, 2 → 1, 3 → 2
  const captions = [v(1, 0), v(0.6, 0.8), v(0.8, 0.6), v(-0.6, -0.8)];
  const captionImage = [0, 0, 1, 2];

  it("recall@K in both directions", () => {
    // text→image, scores of each caption against images 0, 1, 2:
    //   c0: 1, 0, -1      → top-1 image 0 (its own): hit
    //   c1: .6, .8, -.6   → top-1 image 1: miss; top-2 {1, 0}: hit
    //   c2: .8, .6, -.8   → top-1 image 0: miss (its image is 1); top-2 {0, 1}: hit
    //   c3: -.6, -.8, .6  → top-1 image 2: hit
    // image→text, scores of each image against captions 0..3:
    //   i0: 1, .6, .8, -.6  → top-1 caption 0 (its own): hit
    //   i1: 0, .8, .6, -.8  → top-1 caption 1 (of image 0): miss; top-2 {1, 2}: hit
    //   i2: -1, -.6, -.8, .6 → top-1 caption 3 (its own): hit
    const r = retrievalRecalls(images, captions, captionImage);
    assert.deepEqual(r.text_to_image, { "R@1": 2 / 4, "R@5": 1, "R@10": 1 });
    assert.deepEqual(r.image_to_text, { "R@1": 2 / 3, "R@5": 1, "R@10": 1 });
  });

  it("the symmetric InfoNCE loss of two pairs", () => {
    // logits = 10 × [[1, .6], [0, .8]] = [[10, 6], [0, 8]]
    // rows: −log softmax([10, 6])[0] = log(1 + e^−4); −log softmax([0, 8])[1] = log(1 + e^−8)
    // cols: [10, 0] → log(1 + e^−10);              [6, 8] → log(1 + e^−2)
    const l = (x: number) => Math.log(1 + Math.exp(-x));
    const want = ((l(4) + l(8)) / 2 + (l(10) + l(2)) / 2) / 2;
    close(contrastiveLoss([v(1, 0), v(0, 1)], [v(1, 0), v(0.6, 0.8)], 10), want, 1e-6);
    // Batches of 2 over three pairs: the pair above, then one pair alone (its loss is 0).
    const three = batchContrastiveLoss(
      [v(1, 0), v(0, 1), v(-1, 0)],
      [v(1, 0), v(0.6, 0.8), v(0, 1)],
      10,
      2,
    );
    close(three, want / 2, 1e-6);
  });

  it("pairs each image with its first caption for the loss", () => {
    const m = retrievalMetrics(images, captions, captionImage, 10, 2);
    // Pairs: (i0, c0), (i1, c2), (i2, c3).
    const pairs = contrastiveLoss(images, [captions[0], captions[2], captions[3]], 10);
    close(m.contrastive_loss, pairs);
    assert.equal(m.pairs, 3);
    assert.equal(m.captions, 4);
    assert.equal(m.batch_size, 2);
  });
});

describe("pairs files", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-pairs-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("groups rows by image in CSV, JSONL and JSON", async () => {
    const csv = join(dir, "p.csv");
    await writeFile(csv, 'caption,image\n"a, b",x.jpg\nc,y.jpg\nd,x.jpg\n');
    const jsonl = join(dir, "p.jsonl");
    await writeFile(
      jsonl,
      '{"image":"x.jpg","captions":["a, b","d"]}\n{"image":"y.jpg","caption":"c"}\n',
    );
    const a = await loadPairs(csv);
    assert.deepEqual(a.images, [join(dir, "x.jpg"), join(dir, "y.jpg")]);
    assert.deepEqual(a.captions, ["a, b", "c", "d"]);
    assert.deepEqual(a.captionImage, [0, 1, 0]);
    const b = await loadPairs(jsonl);
    assert.deepEqual(b.images, a.images);
    assert.deepEqual(b.captions, ["a, b", "d", "c"]);
    assert.deepEqual(b.captionImage, [0, 0, 1]);
    await writeFile(join(dir, "bad.csv"), "image,caption\nx.jpg,\n");
    await assert.rejects(loadPairs(join(dir, "bad.csv")), {
      name: "UsageError",
      message: /:2: expected image,caption/,
    });
  });
});

describe("zeroclip eval --task retrieval (probe model)", () => {
  let dir: string;
  let probe: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let pairsFile: string;
  const rows: [string, string][] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-retrieval-"));
    probe = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 3 });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    for (const [i, img] of ds.images.entries()) {
      rows.push([img.path, `a ${img.label} picture number ${i}`]);
      if (i % 4 === 0) rows.push([img.path, `something ${img.label}`]);
    }
    rows.push([ds.corrupt!, "never seen"]);
    pairsFile = join(dir, "pairs.csv");
    await writeFile(pairsFile, "image,caption\n" + rows.map((r) => r.join(",")).join("\n") + "\n");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("prints recall@K and the loss of a plain recomputation from `zeroclip embed`", async () => {
    const report = join(dir, "report.html");
    const run = await runCli(
      [
        "eval",
        pairsFile,
        "--task",
        "retrieval",
        "--model",
        probe,
        "--batch-size",
        "5",
        "--format",
        "json",
        "--report",
        report,
      ],
      env,
    );
    assert.equal(run.code, 1, run.stderr); // the corrupt image is left out
    const doc = JSON.parse(run.stdout);
    const imgs = parseJsonl(
      (
        await runCli(
          ["embed", "--model", probe, ...ds.images.flatMap((i) => ["--image", i.path])],
          env,
        )
      ).stdout,
    ).map((r) => r.embedding as number[]);
    const kept = rows.filter((r) => r[0] !== ds.corrupt);
    const texts = parseJsonl(
      (await runCli(["embed", "--model", probe, ...kept.flatMap((r) => ["--text", r[1]])], env))
        .stdout,
    ).map((r) => r.embedding as number[]);
    const imageOf = kept.map((r) => ds.images.findIndex((i) => i.path === r[0]));
    const dotp = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    // Recall, straight from the definition: rank every candidate, look at the first K.
    const rank = (scores: number[]) =>
      scores
        .map((s, i) => [s, i])
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .map((p) => p[1]);
    const t2i = (k: number) =>
      texts.filter((t, j) =>
        rank(imgs.map((im) => dotp(t, im)))
          .slice(0, k)
          .includes(imageOf[j]),
      ).length / texts.length;
    const i2t = (k: number) =>
      imgs.filter((im, i) =>
        rank(texts.map((t) => dotp(im, t)))
          .slice(0, k)
          .some((j) => imageOf[j] === i),
      ).length / imgs.length;
    for (const k of [1, 5, 10]) {
      close(doc.retrieval.text_to_image[`R@${k}`], t2i(k));
      close(doc.retrieval.image_to_text[`R@${k}`], i2t(k));
    }
    // InfoNCE over (image, first caption) pairs at scale 100.
    const firstText = imgs.map((_, i) => texts[imageOf.indexOf(i)]);
    const loss = (I: number[][], T: number[][]) => {
      const L = I.map((a) => T.map((b) => 100 * dotp(a, b)));
      const ce = (m: number[][]) =>
        m.reduce(
          (s, row, i) => s + Math.log(row.reduce((t, x) => t + Math.exp(x - row[i]), 0)),
          0,
        ) / m.length;
      const transposed = L[0].map((_, j) => L.map((row) => row[j]));
      return (ce(L) + ce(transposed)) / 2;
    };
    close(doc.retrieval.contrastive_loss, loss(imgs, firstText), 1e-4);
    const batches: number[] = [];
    for (let s = 0; s < imgs.length; s += 5)
      batches.push(loss(imgs.slice(s, s + 5), firstText.slice(s, s + 5)));
    close(
      doc.retrieval.batch_contrastive_loss,
      batches.reduce((a, b) => a + b, 0) / batches.length,
      1e-4,
    );
    assert.equal(doc.retrieval.pairs, ds.images.length);
    assert.equal(doc.retrieval.captions, kept.length);
    assert.deepEqual(
      doc.failed.map((f: { input: string }) => f.input),
      [ds.corrupt],
    );
    const page = await readFile(report, "utf8");
    assert.match(page, /<section id="retrieval">/);
    assert.match(page, /text → image/);
    assert.match(run.stderr, /image→text/);
  });
});
