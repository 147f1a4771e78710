import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exactNeighbourGraph } from "../../src/transductive/knn.js";
import { jsProduct, type ProductRequest } from "../../src/transductive/products.js";
import {
  TRANSCLIP_DEFAULTS,
  type TransductiveOptions,
  transductiveZeroShot,
  transductiveZeroShotAsync,
} from "../../src/transductive/transclip.js";
import { seeded } from "../support/random-vectors.js";
import { PAPER, type ReferenceParams, referenceTransclip } from "./reference.js";

/** Images around K class centres, and class embeddings that are noisy views of the centres. */
function clusters(
  n: number,
  k: number,
  dim: number,
  seed: number,
  spread = 0.6,
  textNoise = 0.8,
  gap = 0,
) {
  const r = seeded(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, gauss));
  const labels = Array.from({ length: n }, (_, i) => i % k);
  const images = labels.map((c) => Float32Array.from(centres[c], (v) => v + spread * gauss()));
  // `gap`: a direction shared by every class text (CLIP's modality gap), which softens ŷ.
  const common = Array.from({ length: dim }, gauss);
  const texts = centres.map((c) =>
    Float32Array.from(c, (v, t) => v + textNoise * gauss() + gap * common[t]),
  );
  return { images, texts, labels };
}

function assertMatchesReference(
  images: Float32Array[],
  texts: Float32Array[],
  opts: TransductiveOptions,
  ref: ReferenceParams,
  result = transductiveZeroShot(images, texts, opts),
) {
  const ours = result;
  const theirs = referenceTransclip(images, texts, ref);
  const k = texts.length;
  let worst = 0;
  for (const [i, row] of theirs.z.entries()) {
    for (const [c, v] of row.entries()) {
      worst = Math.max(worst, Math.abs(v - ours.assignments[i * k + c]));
    }
  }
  assert.ok(worst < 1e-6, `largest assignment difference ${worst}`);
  assert.deepEqual(Array.from(ours.predictions), theirs.predictions);
  return ours;
}

describe("transductiveZeroShot (TransCLIP zero-shot)", () => {
  it("the paper's constants are the defaults", () => {
    assert.deepEqual(
      { ...TRANSCLIP_DEFAULTS },
      {
        logitScale: 100,
        lambda: 1,
        rounds: 10,
        zSteps: 5,
        neighbours: 3,
        confident: 8,
        temperature: 50,
      },
    );
  });

  it("equals the float64 reference with the paper's constants", () => {
    const { images, texts, labels } = clusters(90, 6, 16, 7, 1, 3);
    const ours = assertMatchesReference(images, texts, {}, PAPER);
    // The fixture is not trivial: the transductive labels differ from the zero-shot ones.
    const zs = labels.map((_, i) => ours.zeroShot[i]);
    assert.ok(
      zs.some((p, i) => p !== ours.predictions[i]),
      "no prediction changed",
    );
  });

  it("equals the reference with other constants (λ, rounds, steps, k, top, T, scale)", () => {
    const { images, texts } = clusters(50, 4, 12, 11, 0.8, 1);
    assertMatchesReference(
      images,
      texts,
      {
        lambda: 0.5,
        rounds: 3,
        zSteps: 2,
        neighbours: 4,
        confident: 3,
        temperature: 30,
        logitScale: 20,
      },
      {
        lambda: 0.5,
        maxIter: 3,
        zIter: 2,
        nNeighbors: 4,
        nConfident: 3,
        temperature: 30,
        logitScale: 20,
      },
    );
    assertMatchesReference(images, texts, { lambda: 0 }, { ...PAPER, lambda: 0 });
  });

  it("starts from the caller's probabilities when given (the sigmoid-family hook)", () => {
    const { images, texts } = clusters(40, 5, 10, 3);
    const r = seeded(99);
    const probs = images.map(() => {
      const v = texts.map(() => r() + 0.01);
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((x) => x / s);
    });
    const ours = assertMatchesReference(
      images,
      texts,
      { initialProbabilities: probs.flat(), keepInitial: true },
      { ...PAPER, initialPredictions: probs },
    );
    assert.deepEqual(Array.from(ours.initial ?? []), probs.flat());
    const zs = probs.map((r) => r.indexOf(Math.max(...r)));
    assert.deepEqual(Array.from(ours.zeroShot), zs);
  });

  it("the async form on an injected kernel, in chunks of 7 rows, equals the reference", async () => {
    const { images, texts } = clusters(90, 6, 16, 7, 1, 3);
    const seen = { ABt: 0, AtB: 0 };
    const product = async (req: ProductRequest) => {
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(req.kind === "ABt" ? req.m <= 7 : req.k <= 7, "chunks of at most 7 rows");
      seen[req.kind]++;
      jsProduct(req);
    };
    const ours = await transductiveZeroShotAsync(images, texts, { product, chunkRows: 7 });
    assertMatchesReference(images, texts, {}, PAPER, ours);
    // 13 chunks: ŷ's scores, then per block the likelihood's scores and (10 times) Zᵀ X.
    assert.deepEqual(seen, { ABt: 13 * 12, AtB: 13 * 10 });
    const given = await transductiveZeroShotAsync(images, texts, {
      initialProbabilities: ours.assignments,
      rounds: 2,
    });
    const byJs = transductiveZeroShot(images, texts, {
      initialProbabilities: ours.assignments,
      rounds: 2,
    });
    assert.deepEqual(given.assignments, byJs.assignments);
  });

  it("beats zero-shot when the images cluster by class and the class texts are off", () => {
    const k = 8;
    const { images, texts, labels } = clusters(800, k, 32, 17, 0.9, 2, 20);
    const res = transductiveZeroShot(images, texts);
    let zs = 0;
    let tc = 0;
    for (const [i, label] of labels.entries()) {
      if (res.zeroShot[i] === label) zs++;
      if (res.predictions[i] === label) tc++;
    }
    assert.ok(zs / 800 > 0.3 && zs / 800 < 0.9, `zero-shot ${zs / 800} not in the useful regime`);
    assert.ok(tc > zs + 40, `TransCLIP ${tc / 800} vs zero-shot ${zs / 800}`);
    process.stdout.write(`# synthetic clusters: zero-shot ${zs / 8}%, TransCLIP ${tc / 8}%\n`);
  });

  it("rows of z sum to 1, progress counts rounds + 1 blocks, abort stops it", () => {
    const { images, texts } = clusters(30, 3, 8, 5);
    const seen: [number, number][] = [];
    const res = transductiveZeroShot(images, texts, {
      rounds: 4,
      onProgress: (d, t) => seen.push([d, t]),
    });
    assert.deepEqual(
      seen,
      [1, 2, 3, 4, 5].map((d) => [d, 5]),
    );
    for (let i = 0; i < 30; i++) {
      const s = res.assignments.subarray(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s - 1) < 1e-12);
    }
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    assert.throws(() => transductiveZeroShot(images, texts, { signal: ac.signal }), /stop/);
    assert.throws(() => transductiveZeroShot([], texts), RangeError);
    assert.throws(() => transductiveZeroShot(images, texts, { rounds: -1 }), RangeError);
  });

  it("a precomputed graph gives the same result as the built-in exact graph", () => {
    const { images, texts } = clusters(40, 4, 8, 21);
    const flat = new Float64Array(40 * 8);
    images.forEach((v, i) => {
      const n = Math.hypot(...v);
      v.forEach((x, t) => {
        flat[i * 8 + t] = x / n;
      });
    });
    const graph = exactNeighbourGraph(flat, 40, 8, 3);
    const a = transductiveZeroShot(images, texts);
    const b = transductiveZeroShot(images, texts, { graph });
    for (let j = 0; j < a.assignments.length; j++) {
      assert.ok(Math.abs(a.assignments[j] - b.assignments[j]) < 1e-12);
    }
    assert.throws(
      () => transductiveZeroShot(images, texts, { graph: exactNeighbourGraph(flat, 40, 8, 2) }),
      RangeError,
    );
  });
});

describe("exactNeighbourGraph", () => {
  it("equals a brute-force sort of every row (self excluded)", () => {
    const n = 70;
    const dim = 5;
    const r = seeded(4);
    const x = new Float64Array(n * dim).map(() => r() - 0.5);
    const g = exactNeighbourGraph(x, n, dim, 4);
    for (let i = 0; i < n; i++) {
      const sims = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let t = 0; t < dim; t++) s += x[i * dim + t] * x[j * dim + t];
        return { j, s };
      }).filter((e) => e.j !== i);
      sims.sort((a, b) => b.s - a.s || a.j - b.j);
      assert.deepEqual(
        Array.from(g.index.subarray(i * 4, i * 4 + 4)),
        sims.slice(0, 4).map((e) => e.j),
      );
      assert.deepEqual(
        Array.from(g.weight.subarray(i * 4, i * 4 + 4)),
        sims.slice(0, 4).map((e) => e.s),
      );
    }
    const small = exactNeighbourGraph(x, 3, dim, 4);
    assert.deepEqual(Array.from(small.index.subarray(0, 4)), [
      ...sortedOthers(x, dim, 0, 3),
      -1,
      -1,
    ]);
  });
});

function sortedOthers(x: Float64Array, dim: number, i: number, n: number): number[] {
  const others = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    let s = 0;
    for (let t = 0; t < dim; t++) s += x[i * dim + t] * x[j * dim + t];
    others.push({ j, s });
  }
  return others.sort((a, b) => b.s - a.s).map((e) => e.j);
}
