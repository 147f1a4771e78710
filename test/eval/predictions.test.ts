/**
 * Every prediction of `zeroclip eval` checked against an independent scorer: the class texts of
 * each strategy built by hand from the files, class embeddings aggregated by hand from the text
 * embeddings (`zeroclip embed` for normalized-mean; the unnormalized projected embeddings for
 * pooled-mean), image embeddings from `zeroclip embed`, and the ranking by hand-computed cosine.
 * The image ↔ label pairing comes from the generated dataset itself, not from eval's loader.
 * The probe model's colour-grid vision tower makes image embeddings differ between images, so
 * the predictions are spread over the classes and a mix-up of classes, strategies or images
 * changes them. Also: --aggregate, --allow-missing, and the seeded --limit / --per-class sample.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { classEmbedding, dotp, embedWithCli, normalize } from "../support/hand.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { referenceSample } from "../support/mulberry32.js";
import { checkStrategy, type EvalDoc } from "./recompute.js";

const TEMPLATES = ["a photo of a {}.", "a {} square.", "something {}."];
/** Descriptions for every class but the last one (left to --allow-missing). */
const describeClass = (c: string) => [`A ${c} picture.`, `Mostly ${c}, a little white.`];

type Aggregate = "normalized-mean" | "pooled-mean";

describe("eval predictions against an independent scorer (probe model)", () => {
  let dir: string;
  let model: string;
  let ds: GeneratedDataset;
  let templatesFile: string;
  let descriptionsFile: string;
  let missing: string;
  let imageEmb: Map<string, number[]>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-predictions-"));
    model = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "colours"));
    templatesFile = join(dir, "templates.json");
    await writeFile(templatesFile, JSON.stringify(TEMPLATES));
    missing = ds.classes.at(-1)!;
    descriptionsFile = join(dir, "descriptions.json");
    await writeFile(
      descriptionsFile,
      JSON.stringify(
        Object.fromEntries(
          ds.classes.filter((c) => c !== missing).map((c) => [c, describeClass(c)]),
        ),
      ),
    );
    const paths = ds.images.map((i) => i.path);
    const emb = await embedWithCli(model, "image", paths);
    imageEmb = new Map(paths.map((p, i) => [p, emb[i]]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Each strategy's texts per class, written out from the documented rules. */
  const handTexts: Record<string, (c: string) => string[]> = {
    base: (c) => [`a photo of a ${c}.`],
    ens: (c) => TEMPLATES.map((t) => t.replace("{}", c)),
    // cupl without templates: a class without descriptions falls back to "a photo of a {}."
    cupl: (c) => (c === missing ? [`a photo of a ${c}.`] : describeClass(c)),
    // cupl+ensemble: descriptions then templates; without descriptions, the templates.
    both: (c) => [
      ...(c === missing ? [] : describeClass(c)),
      ...TEMPLATES.map((t) => t.replace("{}", c)),
    ],
  };
  const strategyArgs = () => [
    "-s",
    "base=single:a photo of a {}.",
    "-s",
    `ens=ensemble:${templatesFile}`,
    "-s",
    `cupl=cupl:${descriptionsFile}`,
    "-s",
    `both=cupl+ensemble:${descriptionsFile},${templatesFile}`,
  ];

  /** Class embeddings by hand, in class order. */
  const handClasses = async (texts: (c: string) => string[], aggregate: Aggregate) => {
    if (aggregate === "normalized-mean") {
      const flat = ds.classes.flatMap(texts);
      const emb = await embedWithCli(model, "text", flat);
      let k = 0;
      return ds.classes.map((c) => classEmbedding(texts(c).map(() => emb[k++])));
    }
    // pooled-mean: the mean of the unnormalized projected text embeddings, normalized.
    const m = await ClipModel.load(model);
    try {
      return await Promise.all(
        ds.classes.map(async (c) => {
          const raw = (await m.embedTexts(texts(c), { normalize: false })).map((e) => [...e]);
          return normalize(raw[0].map((_, j) => raw.reduce((s, r) => s + r[j], 0) / raw.length));
        }),
      );
    } finally {
      await m.dispose();
    }
  };

  /**
   * Checks every prediction: its label is the image's own folder, its top-5 is the hand ranking
   * (a near tie, within 1e-6 in cosine, may go either way). Returns the hand top-1 per input.
   */
  const checkPredictions = (doc: EvalDoc, name: string, classes: number[][]) => {
    const byPath = new Map(ds.images.map((i) => [i.path, i.label]));
    const s = doc.strategies[name];
    assert.deepEqual(
      s.predictions.map((p) => p.input),
      ds.images.map((i) => i.path),
      "every readable image once, in dataset order",
    );
    const top1: string[] = [];
    for (const p of s.predictions) {
      assert.equal(p.label, byPath.get(p.input), `${name} ${p.input}: label`);
      const img = imageEmb.get(p.input)!;
      const scores = classes.map((c) => dotp(img, c));
      const order = ds.classes.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
      top1.push(ds.classes[order[0]]);
      assert.equal(p.top5.length, 5);
      p.top5.forEach((label, k) => {
        const got = scores[ds.classes.indexOf(label)];
        const want = scores[order[k]];
        assert.ok(
          Math.abs(got - want) <= 1e-6,
          `${name} ${p.input}: rank ${k} is ${label} (${got}), hand says ${ds.classes[order[k]]} (${want})`,
        );
      });
      assert.equal(p.predicted, p.top5[0]);
    }
    return top1;
  };

  for (const aggregate of ["normalized-mean", "pooled-mean"] as const) {
    it(`--aggregate ${aggregate} --allow-missing: every prediction is the hand ranking`, async () => {
      const run = await runCli(
        [
          "eval",
          ds.root,
          "--model",
          model,
          ...strategyArgs(),
          "--aggregate",
          aggregate,
          "--allow-missing",
          "--format",
          "json",
          "--no-cache",
        ],
        { ZEROCLIP_CACHE: join(dir, "cache") },
      );
      assert.equal(run.code, 1, run.stderr); // the corrupt file
      const doc = JSON.parse(run.stdout) as EvalDoc;
      assert.deepEqual(doc.classes, ds.classes);
      assert.deepEqual(
        doc.failed.map((f) => f.input),
        [ds.corrupt],
      );
      assert.match(
        run.stderr,
        new RegExp(`warning: strategy cupl: no descriptions for "${missing}"`),
      );
      assert.match(
        run.stderr,
        new RegExp(`warning: strategy both: no descriptions for "${missing}"`),
      );
      const picks: Record<string, string[]> = {};
      for (const [name, texts] of Object.entries(handTexts)) {
        picks[name] = checkPredictions(doc, name, await handClasses(texts, aggregate));
        checkStrategy(doc, name);
      }
      // The checks can tell classes and strategies apart: predictions spread over several
      // classes, and the strategies disagree somewhere.
      assert.ok(new Set(Object.values(picks).flat()).size >= 3, JSON.stringify(picks));
      assert.notDeepEqual(picks.base, picks.cupl);
    });
  }

  it("the aggregates give different class embeddings here (so the check above tells them apart)", async () => {
    const a = await handClasses(handTexts.both, "normalized-mean");
    const b = await handClasses(handTexts.both, "pooled-mean");
    const gap = Math.max(...a.map((c, i) => 1 - dotp(c, b[i])));
    assert.ok(gap > 1e-4, `cosine gap ${gap}`);
  });

  it("--limit / --per-class / --seed take the documented seeded sample of a listing", async () => {
    const csv = join(ds.root, "list.csv");
    await writeFile(csv, ds.csv);
    // The listing's rows, in order, independent of eval's CSV reader.
    const rows = ds.csv
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => {
        const [path, label] = line.split(",");
        return { path: join(ds.root, path), label };
      });
    const sampled = async (opts: string[]) => {
      const run = await runCli(
        [
          "eval",
          csv,
          "--model",
          model,
          "-s",
          "single:a photo of a {}.",
          "--format",
          "json",
          ...opts,
        ],
        { ZEROCLIP_CACHE: join(dir, "cache") },
      );
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      const doc = JSON.parse(run.stdout) as EvalDoc;
      const inputs = [
        ...doc.strategies.single.predictions.map((p) => p.input),
        ...doc.failed.map((f) => f.input),
      ];
      const order = new Map(rows.map((r, i) => [r.path, i]));
      return inputs.map((p) => order.get(p)!).sort((a, b) => a - b);
    };
    const labels = rows.map((r) => r.label);
    const cases: [string[], { perClass?: number; limit?: number; seed?: number }][] = [
      [["--limit", "7"], { limit: 7 }],
      [["--limit", "7", "--seed", "0"], { limit: 7, seed: 0 }],
      [["--limit", "7", "--seed", "5"], { limit: 7, seed: 5 }],
      [["--per-class", "2", "--seed", "11"], { perClass: 2, seed: 11 }],
      [["--per-class", "3", "--limit", "9", "--seed", "3"], { perClass: 3, limit: 9, seed: 3 }],
    ];
    const got: number[][] = [];
    for (const [args, opts] of cases) {
      const indices = await sampled(args);
      assert.deepEqual(indices, referenceSample(labels, opts), args.join(" "));
      got.push(indices);
    }
    assert.deepEqual(got[0], got[1], "seed 0 is the default");
    assert.notDeepEqual(got[1], got[2], "another seed, another sample");
  });
});
