/**
 * The adapter math (src/adapt/tip.ts, gda.ts, adapter.ts) against independent float64
 * computations written from the official code's formulas (test/adapt/reference.ts), and the
 * searches against an exhaustive check of every grid point in the official loop order.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adapterLogits, cacheKeys, fitAdapter } from "../../src/adapt/adapter.js";
import { gdaFit, gdaLogits } from "../../src/adapt/gda.js";
import {
  DEFAULT_TIP_GRID,
  GDA_ALPHAS,
  gridValues,
  searchGda,
  searchTipAdapter,
  searchTipX,
  type TipSearchGrid,
} from "../../src/adapt/search.js";
import { tipAdapterLogits, tipXLogits, tipXRanges, zeroShotLogits } from "../../src/adapt/tip.js";
import {
  argmaxRef,
  clusteredFeatures,
  distRef,
  dotRef,
  gdaLogitsRef,
  gdaRef,
  klRef,
  maxAbsDiff,
  normalizeRef,
  randomSource,
  tipRef,
  tipXRef,
  zeroShotRef,
} from "./reference.js";

const D = 12;
const C = 4;

function problem(seed: number, perClass = 6, spread = 0.9) {
  const rand = randomSource(seed);
  const centres = Array.from({ length: C }, () => Array.from({ length: D }, () => rand()));
  // Text embeddings that point only loosely at the classes: zero-shot is weak.
  const W = centres.map((c) =>
    Float32Array.from(normalizeRef(c.map((x, d) => (d % 3 === 0 ? x : 0) + 0.8 * rand()))),
  );
  const support = clusteredFeatures(rand, centres, perClass, spread);
  const val = clusteredFeatures(rand, centres, 8, spread);
  const test = clusteredFeatures(rand, centres, 10, spread);
  return { W, support, val, test };
}

const accuracy = (logits: readonly number[][], labels: readonly number[]) =>
  logits.filter((z, i) => argmaxRef(z) === labels[i]).length;

describe("adapter math", () => {
  it("Tip-Adapter logits equal the formula; α = 0 is zero-shot", () => {
    const { W, support, test } = problem(1);
    const cache = { keys: support.features, labels: support.labels };
    const got = tipAdapterLogits(test.features, cache, W, {
      alpha: 1.7,
      beta: 5.5,
      logitScale: 100,
    });
    test.features.forEach((f, i) => {
      const want = tipRef(f, W, support.features, support.labels, 1.7, 5.5, 100);
      assert.ok(maxAbsDiff(got[i], want) < 1e-9, `image ${i}`);
    });
    const zero = tipAdapterLogits(test.features, cache, W, {
      alpha: 0,
      beta: 5.5,
      logitScale: 100,
    });
    const zs = zeroShotLogits(test.features, W, 100);
    test.features.forEach((f, i) => {
      assert.deepEqual([...zero[i]], [...zs[i]]);
      assert.ok(maxAbsDiff(zs[i], zeroShotRef(f, W, 100)) < 1e-9);
    });
  });

  it("TIP-X logits equal tipx.py's formula, with ranges measured on the query images", () => {
    const { W, support, val, test } = problem(2);
    const cache = { keys: support.features, labels: support.labels };
    const ranges = tipXRanges(val.features, cache, W, 0.5);
    // The ranges are the min and max over every (query, key) pair.
    const kls = val.features.flatMap((f) =>
      support.features.map((k) => klRef(distRef(f, W, 0.5), distRef(k, W, 0.5))),
    );
    const affs = val.features.flatMap((f) => support.features.map((k) => dotRef(f, k)));
    assert.ok(Math.abs(ranges.klRange[0] - Math.min(...kls)) < 1e-12);
    assert.ok(Math.abs(ranges.klRange[1] - Math.max(...kls)) < 1e-12);
    assert.ok(Math.abs(ranges.affinityRange[0] - Math.min(...affs)) < 1e-12);
    assert.ok(Math.abs(ranges.affinityRange[1] - Math.max(...affs)) < 1e-12);
    const params = {
      alpha: 0.9,
      beta: 3,
      gamma: 2.5,
      logitScale: 100,
      temperature: 0.5,
      ...ranges,
    };
    const got = tipXLogits(test.features, cache, W, params);
    test.features.forEach((f, i) => {
      const want = tipXRef(f, W, support.features, support.labels, {
        ...params,
        s: 100,
        t: 0.5,
        affRange: ranges.affinityRange,
      });
      assert.ok(maxAbsDiff(got[i], want) < 1e-9, `image ${i}: ${maxAbsDiff(got[i], want)}`);
    });
  });

  it("GDA weights, biases and logits equal main_few_shots.py's formulas (Gauss–Jordan inverse)", () => {
    const { W, support, test } = problem(3, 9);
    const model = gdaFit(support.features, support.labels, C);
    const ref = gdaRef(support.features, support.labels, C);
    for (let k = 0; k < C; k++) {
      const scale = Math.max(...ref.w[k].map(Math.abs));
      assert.ok(maxAbsDiff(model.weights[k], ref.w[k]) < 1e-9 * scale, `w_${k}`);
      assert.ok(Math.abs(model.bias[k] - ref.b[k]) < 1e-9 * Math.max(1, Math.abs(ref.b[k])));
    }
    const got = gdaLogits(test.features, W, model, { alpha: 0.37, logitScale: 100 });
    test.features.forEach((f, i) => {
      const want = gdaLogitsRef(f, W, ref, 0.37, 100);
      assert.ok(maxAbsDiff(got[i], want) < 1e-7 * Math.max(1, ...want.map(Math.abs)));
    });
  });

  it("GDA with one sample per class has S = 0 and adds only log(1/C)", () => {
    const { W, support } = problem(4, 1);
    const model = gdaFit(support.features, support.labels, C);
    for (const w of model.weights) assert.ok(w.every((x) => x === 0));
    assert.ok([...model.bias].every((b) => b === Math.log(1 / C)));
    const z = gdaLogits(support.features, W, model, { alpha: 1, logitScale: 100 });
    const zs = zeroShotLogits(support.features, W, 100);
    z.forEach((row, i) => {
      assert.ok(
        maxAbsDiff(
          row,
          zs[i].map((x) => x + Math.log(1 / C)),
        ) < 1e-12,
      );
    });
  });

  it("cache keys are the normalized mean of an image's views", () => {
    const rand = randomSource(5);
    const views = Array.from({ length: 3 }, () =>
      Float32Array.from(normalizeRef(Array.from({ length: D }, rand))),
    );
    const [key] = cacheKeys([views]);
    const mean = Array.from({ length: D }, (_, d) => views.reduce((s, v) => s + v[d], 0) / 3);
    assert.ok(maxAbsDiff(key, normalizeRef(mean)) < 1e-7);
    assert.deepEqual([...cacheKeys([[views[0]]])[0]], [...views[0]]);
  });

  it("fitAdapter: GDA uses every view as a sample, Tip-Adapter one averaged key per image", () => {
    const { W, support } = problem(6, 5);
    const views = support.features.map((f, i) => [
      f,
      support.features[(i + 1) % support.features.length],
    ]);
    const classes = ["a", "b", "c", "d"];
    const gda = fitAdapter({
      method: "gda",
      classes,
      classEmbeddings: W,
      logitScale: 100,
      support: { views, labels: support.labels },
    }).adapter;
    const flat = gdaFit(
      views.flat(),
      support.labels.flatMap((l) => [l, l]),
      C,
    );
    assert.equal(gda.method, "gda");
    if (gda.method === "gda")
      assert.deepEqual(
        gda.weights.map((w) => [...w]),
        flat.weights.map((w) => [...w]),
      );
    const tip = fitAdapter({
      method: "tip-adapter",
      classes,
      classEmbeddings: W,
      logitScale: 100,
      support: { views, labels: support.labels },
    }).adapter;
    assert.equal(tip.method, "tip-adapter");
    if (tip.method === "tip-adapter") {
      assert.equal(tip.keys.length, views.length);
      assert.equal(tip.alpha, 1);
      assert.equal(tip.beta, 5.5);
    }
    assert.throws(
      () =>
        fitAdapter({
          method: "gda",
          classes: [...classes, "e"],
          classEmbeddings: [...W, W[0]],
          logitScale: 100,
          support: { views, labels: support.labels },
        }),
      /no support images for "e"/,
    );
  });
});

/** Every grid point's validation accuracy in the official loop order; the first maximum wins. */
function exhaustive<T>(points: readonly T[], correct: (p: T) => number, initial: T): T {
  let best = initial;
  let bestCorrect = 0;
  for (const p of points) {
    const c = correct(p);
    if (c > bestCorrect) {
      bestCorrect = c;
      best = p;
    }
  }
  // The same choice by another reading: the first point reaching the maximum (when it is > 0).
  const scores = points.map(correct);
  const max = Math.max(...scores);
  if (max > 0) assert.equal(best, points[scores.indexOf(max)]);
  return best;
}

describe("hyperparameter search", () => {
  it("grid values follow the official expression", () => {
    // Python's `[i * (7 - 0.1) / 4 + 0.1 for i in range(4)]`, printed by CPython.
    assert.deepEqual(gridValues(7, 4), [0.1, 1.8250000000000002, 3.5500000000000003, 5.275]);
    assert.deepEqual(
      gridValues(3, 20).slice(0, 5),
      [0.1, 0.245, 0.39, 0.5349999999999999, 0.6799999999999999],
    );
    const betas = gridValues(7, 200);
    assert.equal(betas.length, 200);
    assert.equal(betas[0], 0.1);
    assert.equal(betas[199], (199 * (7 - 0.1)) / 200 + 0.1);
  });

  it("Tip-Adapter: picks what an exhaustive check of the default grid picks", () => {
    const { W, support, val } = problem(7, 4, 1.2);
    const cache = { keys: support.features, labels: support.labels };
    const got = searchTipAdapter(val, cache, W, 100);
    const points = gridValues(DEFAULT_TIP_GRID.betaScale, 200).flatMap((beta) =>
      gridValues(DEFAULT_TIP_GRID.alphaScale, 20).map((alpha) => ({ beta, alpha })),
    );
    const want = exhaustive(
      points,
      ({ alpha, beta }) =>
        accuracy(
          val.features.map((f) => tipRef(f, W, support.features, support.labels, alpha, beta, 100)),
          val.labels,
        ),
      { beta: 0, alpha: 0 },
    );
    assert.deepEqual({ alpha: got.alpha, beta: got.beta }, want);
    assert.equal(got.count, val.labels.length);
    const zs = accuracy(
      val.features.map((f) => zeroShotRef(f, W, 100)),
      val.labels,
    );
    assert.ok(got.correct >= zs, `search ${got.correct} vs zero-shot ${zs}`);
  });

  it("TIP-X: β, α, γ (innermost) as an exhaustive check picks", () => {
    const { W, support, val } = problem(8, 4, 1.2);
    const cache = { keys: support.features, labels: support.labels };
    const ranges = tipXRanges(val.features, cache, W, 0.5);
    const grid: TipSearchGrid = {
      betaScale: 7,
      betaSteps: 25,
      alphaScale: 3,
      alphaSteps: 8,
      gammaScale: 30,
      gammaSteps: 6,
    };
    const got = searchTipX(val, cache, W, 100, 0.5, ranges.klRange, ranges.affinityRange, grid);
    const points = gridValues(7, 25).flatMap((beta) =>
      gridValues(3, 8).flatMap((alpha) =>
        gridValues(30, 6).map((gamma) => ({ beta, alpha, gamma })),
      ),
    );
    const want = exhaustive(
      points,
      (p) =>
        accuracy(
          val.features.map((f) =>
            tipXRef(f, W, support.features, support.labels, {
              ...p,
              s: 100,
              t: 0.5,
              klRange: ranges.klRange,
              affRange: ranges.affinityRange,
            }),
          ),
          val.labels,
        ),
      { beta: 0, alpha: 0, gamma: 0 },
    );
    assert.deepEqual({ alpha: got.alpha, beta: got.beta, gamma: got.gamma }, want);
  });

  it("GDA: the first strictly better α of the official list, starting at 0.1", () => {
    const { W, support, val } = problem(9, 6, 1.4);
    const model = gdaFit(support.features, support.labels, C);
    const got = searchGda(val, W, model, 100);
    const ref = gdaRef(support.features, support.labels, C);
    const want = exhaustive(
      GDA_ALPHAS,
      (alpha) =>
        accuracy(
          val.features.map((f) => gdaLogitsRef(f, W, ref, alpha, 100)),
          val.labels,
        ),
      0.1,
    );
    assert.equal(got.alpha, want);
    // Nothing correct at all keeps the starting α.
    const none = searchGda(
      { features: val.features, labels: val.labels.map((l) => (l + 1) % C) },
      W,
      {
        weights: model.weights.map((w) => w.map(() => 0)),
        bias: new Float64Array(C),
      },
      1e-9,
    );
    if (none.correct === 0) assert.equal(none.alpha, 0.1);
  });

  it("a fitted adapter scores with the searched values", () => {
    const { W, support, val, test } = problem(10, 4, 1.1);
    const fit = fitAdapter({
      method: "tip-adapter",
      classes: ["a", "b", "c", "d"],
      classEmbeddings: W,
      logitScale: 100,
      support: { views: support.features.map((f) => [f]), labels: support.labels },
      val,
      grid: { betaSteps: 20, alphaSteps: 5 },
    });
    assert.ok(fit.search);
    const a = fit.adapter;
    assert.equal(a.method, "tip-adapter");
    if (a.method !== "tip-adapter") return;
    assert.equal(a.alpha, fit.search.alpha);
    assert.equal(a.beta, fit.search.beta);
    const got = adapterLogits(a, test.features);
    test.features.forEach((f, i) => {
      const want = tipRef(f, W, support.features, support.labels, a.alpha, a.beta, 100);
      assert.ok(maxAbsDiff(got[i], want) < 1e-9);
    });
  });
});
