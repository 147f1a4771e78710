import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createOrtProduct, type OrtProduct } from "../../src/model/ort-product.js";
import { createStepPool } from "../../src/model/step-pool.js";
import { normalizedRows } from "../../src/transductive/gmm.js";
import { exactNeighbourGraph } from "../../src/transductive/knn.js";
import { neighbourGraphByProduct } from "../../src/transductive/knn-scores.js";
import {
  transductiveZeroShot,
  transductiveZeroShotAsync,
} from "../../src/transductive/transclip.js";
import { randomUnitVectors, seeded } from "../support/random-vectors.js";
import { graphRows } from "../transductive/graph-fixtures.js";
import { PAPER, referenceTransclip } from "../transductive/reference.js";

const rand = (len: number, seed: number) => {
  const r = seeded(seed);
  return new Float64Array(len).map(() => r() - 0.5);
};

describe("createOrtProduct (onnxruntime float64 Gemm)", () => {
  let kernel: OrtProduct;
  before(async () => {
    kernel = await createOrtProduct({ threads: 1 });
  });
  after(() => kernel.release());

  it("ABt and AtB equal naive float64 loops, reading and writing views into larger buffers", async () => {
    const [m, n, k] = [33, 17, 70];
    const bigA = rand(m * k + 50, 1);
    const a = bigA.subarray(50);
    const b = rand(n * k, 2);
    const outBuf = new Float64Array(m * n + 9).fill(7);
    const out = outBuf.subarray(5, 5 + m * n);
    await kernel.product({ kind: "ABt", a, b, m, n, k, out });
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[i * k + t] * b[c * k + t];
        assert.ok(Math.abs(out[i * n + c] - s) < 1e-13, `${out[i * n + c]} vs ${s}`);
      }
    }
    assert.deepEqual(Array.from(outBuf.subarray(0, 5)), [7, 7, 7, 7, 7], "nothing written before");
    assert.deepEqual(Array.from(outBuf.subarray(5 + m * n)), [7, 7, 7, 7], "nor after");
    const bt = rand(k * n, 3);
    await kernel.product({ kind: "AtB", a, b: bt, m, n, k, out });
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[t * m + i] * bt[t * n + c];
        assert.ok(Math.abs(out[i * n + c] - s) < 1e-13);
      }
    }
  });

  it("TransCLIP on it equals the float64 reference and the JavaScript kernel", async () => {
    const images = randomUnitVectors(120, 16, 5);
    const texts = randomUnitVectors(6, 16, 6);
    const ours = await transductiveZeroShotAsync(images, texts, {
      product: kernel.product,
      chunkRows: 50,
    });
    const js = transductiveZeroShot(images, texts);
    const ref = referenceTransclip(images, texts, PAPER);
    let worst = 0;
    let worstJs = 0;
    for (const [i, row] of ref.z.entries()) {
      for (const [c, v] of row.entries()) {
        worst = Math.max(worst, Math.abs(v - ours.assignments[i * 6 + c]));
        worstJs = Math.max(
          worstJs,
          Math.abs(js.assignments[i * 6 + c] - ours.assignments[i * 6 + c]),
        );
      }
    }
    assert.ok(worst < 1e-6, `largest difference from the reference ${worst}`);
    assert.ok(worstJs < 1e-12, `largest difference from the JavaScript kernel ${worstJs}`);
    assert.deepEqual(Array.from(ours.predictions), ref.predictions);
  });

  it("its float32 scores give the exact neighbour graph (float64 brute force)", async () => {
    const rows = graphRows(300, 24, 8);
    const g = await neighbourGraphByProduct(rows, 3, kernel.candidates, 128);
    const want = exactNeighbourGraph(normalizedRows(rows, 24), 300, 24, 3);
    assert.deepEqual(Array.from(g.index), Array.from(want.index));
    for (let e = 0; e < want.weight.length; e++) {
      assert.ok(Math.abs(g.weight[e] - want.weight[e]) < 1e-12);
    }
  });

  it("with the assignment updates split over two threads: the same bits, shared buffers", async () => {
    const images = randomUnitVectors(150, 16, 9);
    const texts = randomUnitVectors(5, 16, 10);
    const pool = createStepPool(2);
    try {
      let shared = 0;
      const steps = async (req: Parameters<typeof pool.steps>[0]) => {
        if (req.to.buffer instanceof SharedArrayBuffer) shared++;
        await pool.steps(req);
      };
      const opts = { product: kernel.product, chunkRows: 64 };
      const two = await transductiveZeroShotAsync(images, texts, { ...opts, steps });
      const one = await transductiveZeroShotAsync(images, texts, opts);
      assert.equal(shared, 55);
      assert.deepEqual(two.assignments, one.assignments);
      const ref = referenceTransclip(images, texts, PAPER);
      assert.deepEqual(Array.from(two.predictions), ref.predictions);
      for (const [i, row] of ref.z.entries()) {
        for (const [c, v] of row.entries())
          assert.ok(Math.abs(v - two.assignments[i * 5 + c]) < 1e-6);
      }
    } finally {
      await pool.close();
    }
  });
});
