import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildNeighbourGraph } from "../../src/store/neighbour-graph.js";
import { randomUnitVectors } from "../support/random-vectors.js";

/** Brute-force k nearest (self excluded) by float64 dot, ties lower index first. */
function bruteForce(rows: Float32Array[], k: number): number[][] {
  return rows.map((a, i) =>
    rows
      .map((b, j) => ({ j, s: a.reduce((acc, v, t) => acc + v * b[t], 0) }))
      .filter((e) => e.j !== i)
      .sort((x, y) => y.s - x.s || x.j - y.j)
      .slice(0, k)
      .map((e) => e.j),
  );
}

describe("buildNeighbourGraph (usearch)", () => {
  const rows = randomUnitVectors(600, 24, 3);
  const truth = bruteForce(rows, 3);

  it("exact mode equals brute force, weights are the cosines", () => {
    const built = buildNeighbourGraph(rows, { k: 3 });
    assert.equal(built.method, "exact");
    for (let i = 0; i < rows.length; i++) {
      assert.deepEqual(Array.from(built.graph.index.subarray(i * 3, i * 3 + 3)), truth[i]);
      const j = truth[i][0];
      const cos = rows[i].reduce((acc, v, t) => acc + v * rows[j][t], 0);
      assert.ok(Math.abs(built.graph.weight[i * 3] - cos) < 1e-6);
    }
  });

  it("HNSW mode reports the recall it measured, and it is the graph's true recall on the sample", () => {
    const built = buildNeighbourGraph(rows, { k: 3, exactLimit: 100, recallSample: 600 });
    assert.equal(built.method, "hnsw");
    let hit = 0;
    for (let i = 0; i < rows.length; i++) {
      const got = new Set(built.graph.index.subarray(i * 3, i * 3 + 3));
      hit += truth[i].filter((j) => got.has(j)).length;
    }
    assert.ok(Math.abs((built.recall ?? -1) - hit / (rows.length * 3)) < 1e-12);
    assert.ok((built.recall ?? 0) > 0.9, `recall ${built.recall}`);
  });

  it("a set smaller than k + 1 leaves the missing neighbours at -1", () => {
    const built = buildNeighbourGraph(rows.slice(0, 3), { k: 3 });
    assert.deepEqual(Array.from(built.graph.index.subarray(0, 3)).slice(2), [-1]);
    assert.ok(!built.graph.index.subarray(0, 3).includes(0));
  });
});
