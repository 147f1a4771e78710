/**
 * The probe-cluster fixture's parts: the feature tower (run by onnxruntime) against a direct
 * computation of its documented features on the same pixels, and the LDA fit against hand
 * computations and its defining invariant (within-class scatter whitened in the projection).
 * End to end on generated colour images: fitted on some, it classifies other images of the same
 * colours zero-shot. On CIFAR-10: test/transductive/probe-cifar10.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import ort from "onnxruntime-node";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { writeColourDataset } from "../support/datasets.js";
import { buildFeatureTowerGraph, FEATURE_COUNT } from "../support/model-gen/feature-tower.js";
import { applyLda, cholesky, fitLda } from "../support/model-gen/lda.js";
import { modelMsg, type OnnxGraph } from "../support/model-gen/onnx.js";
import { ensureProbeClusterModel } from "../support/model-gen/probe-cluster.js";
import { toBytes } from "../support/model-gen/proto.js";
import { seeded } from "../support/random-vectors.js";

async function run(graph: OnnxGraph, pixels: Float32Array, s: number): Promise<Float32Array> {
  const meta = { producerName: "test", producerVersion: "0", docString: "" };
  const session = await ort.InferenceSession.create(toBytes(modelMsg(graph, meta)));
  try {
    const out = await session.run({
      pixel_values: new ort.Tensor("float32", pixels, [1, 3, s, s]),
    });
    return out.image_embeds.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The features as docs/model-generator.md states them, computed with plain loops. */
function expectedFeatures(px: Float32Array, s: number): number[] {
  const k = s / 32;
  const small = (c: number, y: number, x: number) => {
    if (y < 0 || y >= 32 || x < 0 || x >= 32) return 0;
    let sum = 0;
    for (let dy = 0; dy < k; dy++)
      for (let dx = 0; dx < k; dx++) sum += px[c * s * s + (y * k + dy) * s + x * k + dx];
    return sum / (k * k);
  };
  const out: number[] = [];
  for (let c = 0; c < 3; c++)
    for (let gy = 0; gy < 8; gy++)
      for (let gx = 0; gx < 8; gx++) {
        let sum = 0;
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 4; x++) sum += small(c, gy * 4 + y, gx * 4 + x);
        out.push(sum / 16);
      }
  const luma = (y: number, x: number) =>
    0.299 * small(0, y, x) + 0.587 * small(1, y, x) + 0.114 * small(2, y, x);
  // Sobel responses, x then y (cross-correlation, as a convolution layer computes it).
  const gx = (y: number, x: number) =>
    (luma(y - 1, x + 1) +
      2 * luma(y, x + 1) +
      luma(y + 1, x + 1) -
      luma(y - 1, x - 1) -
      2 * luma(y, x - 1) -
      luma(y + 1, x - 1)) /
    8;
  const gy = (y: number, x: number) =>
    (luma(y + 1, x - 1) +
      2 * luma(y + 1, x) +
      luma(y + 1, x + 1) -
      luma(y - 1, x - 1) -
      2 * luma(y - 1, x) -
      luma(y - 1, x + 1)) /
    8;
  const responses: ((a: number, b: number) => number)[] = [
    (a) => a,
    (_a, b) => b,
    (a, b) => (a + b) / Math.SQRT2,
    (a, b) => (a - b) / Math.SQRT2,
  ];
  for (const sign of [1, -1])
    for (const f of responses)
      for (let cy = 0; cy < 4; cy++)
        for (let cx = 0; cx < 4; cx++) {
          let sum = 0;
          for (let y = cy * 8; y < cy * 8 + 8; y++)
            for (let x = cx * 8; x < cx * 8 + 8; x++)
              sum += Math.max(0, sign * f(gx(y, x), gy(y, x)));
          out.push(sum / 64);
        }
  return out;
}

describe("probe-cluster feature tower", () => {
  const s = 64;
  const r = seeded(5);
  const pixels = Float32Array.from({ length: 3 * s * s }, (_, i) => {
    const x = i % s;
    const y = Math.floor(i / s) % s;
    return Math.sin(x / 5 + (i < s * s ? 0 : 1)) * Math.cos(y / 7) + 0.3 * (r() - 0.5);
  });

  it("computes the documented colour and edge features", async () => {
    const got = await run(buildFeatureTowerGraph(s), pixels, s);
    const want = expectedFeatures(pixels, s);
    assert.equal(got.length, FEATURE_COUNT);
    assert.equal(want.length, FEATURE_COUNT);
    for (let i = 0; i < FEATURE_COUNT; i++) {
      assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `feature ${i}: ${got[i]} vs ${want[i]}`);
    }
    assert.ok(
      want.slice(192).some((v) => v > 0.01),
      "edges respond",
    );
  });

  it("applies the projection as features · W + b", async () => {
    const dim = 5;
    const weight = Float32Array.from({ length: FEATURE_COUNT * dim }, () => r() - 0.5);
    const bias = Float32Array.from({ length: dim }, (_, j) => j - 2);
    const got = await run(buildFeatureTowerGraph(s, { weight, bias, dim }), pixels, s);
    const f = expectedFeatures(pixels, s);
    for (let j = 0; j < dim; j++) {
      let want = bias[j];
      for (let t = 0; t < FEATURE_COUNT; t++) want += f[t] * weight[t * dim + j];
      assert.ok(Math.abs(got[j] - want) < 1e-4, `output ${j}: ${got[j]} vs ${want}`);
    }
  });
});

describe("LDA fit", () => {
  it("factors a matrix by hand (Cholesky)", () => {
    const l = cholesky(Float64Array.from([4, 2, 2, 3]), 2);
    assert.deepEqual(
      [...l].map((v) => +v.toFixed(12)),
      [2, 0, 1, +Math.SQRT2.toFixed(12)],
    );
  });

  it("finds Fisher's direction S_w⁻¹(μ₁ − μ₀) for two classes", () => {
    // Two classes of three 2-d points each: within-class scatter by hand.
    const a = [
      [0, 0],
      [2, 1],
      [1, 2],
    ];
    const b = [
      [4, 1],
      [6, 2],
      [5, 3],
    ];
    const lda = fitLda([...a, ...b], [0, 0, 0, 1, 1, 1], 2, { ridge: 0 });
    assert.equal(lda.rows, 1);
    // Means (1, 1) and (5, 2); deviations a: (−1,−1),(1,0),(0,1); b: (−1,−1),(1,0),(0,1).
    // S_w = (1/6)·2·[[2, 1], [1, 2]] = [[2/3, 1/3], [1/3, 2/3]]; S_w⁻¹ = [[2, −1], [−1, 2]].
    // Fisher: S_w⁻¹ (4, 1) = (7, −2); scaled so that wᵀ S_w w = 1: (7, −2)/√(wᵀS_w w).
    const w = [7, -2];
    const q = (2 / 3) * 49 + (2 / 3) * 4 + 2 * (1 / 3) * -14;
    const p = [lda.projection[0], lda.projection[1]];
    const sign = Math.sign(p[0]);
    assert.ok(Math.abs(sign * p[0] - w[0] / Math.sqrt(q)) < 1e-12, `${p}`);
    assert.ok(Math.abs(sign * p[1] - w[1] / Math.sqrt(q)) < 1e-12, `${p}`);
    assert.deepEqual([...lda.mean], [3, 1.5]);
  });

  it("whitens the within-class scatter and keeps classes − 1 directions", () => {
    const r = seeded(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const f = 6;
    const k = 4;
    const centres = Array.from({ length: k }, () => Array.from({ length: f }, () => 3 * gauss()));
    const samples: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 400; i++) {
      const c = i % k;
      const z = Array.from({ length: f }, gauss);
      // Correlated, anisotropic noise.
      samples.push(centres[c].map((m, t) => m + (t + 1) * z[t] + (t > 0 ? z[t - 1] : 0)));
      labels.push(c);
    }
    const lda = fitLda(samples, labels, k, { ridge: 0 });
    assert.equal(lda.rows, k - 1);
    const proj = samples.map((s) => applyLda(lda, s));
    // Within-class covariance of the projections (own loops): the identity.
    const means = Array.from({ length: k }, () => new Float64Array(k - 1));
    for (const [i, p] of proj.entries())
      for (let a = 0; a < k - 1; a++) means[labels[i]][a] += p[a] / 100;
    for (let a = 0; a < k - 1; a++) {
      for (let b = 0; b < k - 1; b++) {
        let s = 0;
        for (const [i, p] of proj.entries()) {
          const m = means[labels[i]];
          s += ((p[a] - m[a]) * (p[b] - m[b])) / proj.length;
        }
        assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-9, `S_w[${a}][${b}] = ${s}`);
      }
    }
    // The overall mean projects to the origin.
    const total = new Float64Array(k - 1);
    for (const p of proj) for (let a = 0; a < k - 1; a++) total[a] += p[a];
    for (const t of total) assert.ok(Math.abs(t) < 1e-9);
  });
});

describe("probe-cluster fixture", () => {
  it("fitted on some colour images, classifies unseen ones zero-shot (texts at the prototypes)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zeroclip-probe-cluster-"));
    try {
      const fit = await writeColourDataset(join(dir, "fit"), { perClass: 6, corrupt: false });
      const test = await writeColourDataset(join(dir, "test"), {
        perClass: 4,
        firstIndex: 6,
        corrupt: false,
      });
      const modelDir = await ensureProbeClusterModel({
        classes: fit.classes,
        heldOut: fit.images,
        dim: 64,
        noise: 0,
        cacheDir: join(dir, "fixtures"),
      });
      const model = await ClipModel.load(modelDir, { preprocessWorkers: 1 });
      try {
        const classifier = await ZeroShotClassifier.create(model, { labels: fit.classes });
        const results = await classifier.classify(test.images.map((i) => i.path));
        assert.equal(results.length, test.images.length);
        let right = 0;
        for (const [i, r] of results.entries()) {
          assert.ok(r.predictions, r.error);
          if (r.predictions[0].label === test.images[i].label) right++;
        }
        assert.ok(right >= 0.9 * results.length, `${right} of ${results.length} right`);
        const [image] = await model.embedImages([test.images[0].path]);
        assert.equal(image.embedding?.length, 64);
        assert.equal((await model.embedTexts(["a photo of a red."]))[0].length, 64);
      } finally {
        await model.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
