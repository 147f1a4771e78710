import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exactNeighbourGraph, symmetricGraph } from "../../src/transductive/knn.js";
import { jsProduct } from "../../src/transductive/products.js";
import { seeded } from "../support/random-vectors.js";

const rand = (len: number, seed: number) => {
  const r = seeded(seed);
  return new Float64Array(len).map(() => r() - 0.5);
};

describe("jsProduct", () => {
  it("ABt equals the dot products of rows, by hand on a 2 × 3 · (2 × 3)ᵀ", () => {
    const out = new Float64Array(4);
    const a = Float64Array.of(1, 2, 3, 4, 5, 6);
    const b = Float64Array.of(1, 0, -1, 2, 1, 0);
    jsProduct({ kind: "ABt", a, b, m: 2, n: 2, k: 3, out });
    assert.deepEqual(Array.from(out), [1 - 3, 2 + 2, 4 - 6, 8 + 5]);
  });

  it("ABt and AtB equal a naive triple loop (odd sizes, zeros in A)", () => {
    const [m, n, k] = [7, 5, 9];
    const a = rand(m * k, 1);
    a[3] = 0;
    const b = rand(n * k, 2);
    const out = new Float64Array(m * n).fill(99);
    jsProduct({ kind: "ABt", a, b, m, n, k, out });
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[i * k + t] * b[c * k + t];
        assert.ok(Math.abs(out[i * n + c] - s) < 1e-14);
      }
    }
    // AtB: A is k × m, B is k × n.
    const bt = rand(k * n, 3);
    const out2 = new Float64Array(m * n).fill(99);
    jsProduct({ kind: "AtB", a, b: bt, m, n, k, out: out2 });
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[t * m + i] * bt[t * n + c];
        assert.ok(Math.abs(out2[i * n + c] - s) < 1e-14);
      }
    }
  });
});

describe("symmetricGraph", () => {
  it("holds W + Wᵀ of the kNN graph, each edge once", () => {
    const n = 40;
    const dim = 4;
    const x = rand(n * dim, 9);
    const g = exactNeighbourGraph(x, n, dim, 3);
    const dense = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let e = 0; e < 3; e++) {
        const j = g.index[i * 3 + e];
        dense[i][j] += g.weight[i * 3 + e];
        dense[j][i] += g.weight[i * 3 + e];
      }
    }
    const s = symmetricGraph(g, n);
    let mutual = 0;
    for (let i = 0; i < n; i++) {
      const row = new Array(n).fill(0);
      const seen = new Set<number>();
      for (let p = s.start[i]; p < s.start[i + 1]; p++) {
        assert.ok(!seen.has(s.to[p]), `row ${i} lists ${s.to[p]} twice`);
        seen.add(s.to[p]);
        row[s.to[p]] = s.weight[p];
      }
      for (let j = 0; j < n; j++) assert.ok(Math.abs(row[j] - dense[i][j]) < 1e-15);
      for (let e = 0; e < 3; e++) {
        const j = g.index[i * 3 + e];
        if (Array.from(g.index.subarray(j * 3, j * 3 + 3)).includes(i)) mutual++;
      }
    }
    assert.ok(mutual > 0, "the fixture has mutual neighbours (merged edges)");
    assert.equal(s.to.length, 2 * n * 3 - mutual);
  });
});
