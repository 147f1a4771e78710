import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizedRows } from "../../src/transductive/gmm.js";
import { exactNeighbourGraph } from "../../src/transductive/knn.js";
import { candidatesJs, neighbourGraphByProduct } from "../../src/transductive/knn-scores.js";
import { graphRows } from "./graph-fixtures.js";

describe("neighbourGraphByProduct (float32 candidates, float64 re-scoring)", () => {
  it("equals the float64 brute-force graph, across blocks of 16 rows", async () => {
    const n = 70;
    const dim = 12;
    const rows = graphRows(n, dim, 3);
    let blocks = 0;
    const g = await neighbourGraphByProduct(
      rows,
      4,
      (req) => {
        blocks++;
        assert.equal(req.want, 4 + 1 + 8);
        candidatesJs(req);
      },
      16,
    );
    assert.equal(blocks, 5);
    const want = exactNeighbourGraph(normalizedRows(rows, dim), n, dim, 4);
    assert.deepEqual(Array.from(g.index), Array.from(want.index));
    for (let e = 0; e < want.weight.length; e++) {
      assert.ok(Math.abs(g.weight[e] - want.weight[e]) < 1e-12);
    }
  });

  it("fills missing neighbours with -1 on sets smaller than k + 1", async () => {
    const rows = graphRows(3, 4, 1);
    const g = await neighbourGraphByProduct(rows, 3, candidatesJs);
    assert.deepEqual(Array.from(g.index.subarray(0, 3)).slice(2), [-1]);
    assert.equal(g.weight[2], 0);
    assert.deepEqual(
      Array.from((await neighbourGraphByProduct(rows.slice(0, 1), 3, candidatesJs)).index),
      [-1, -1, -1],
    );
  });
});
