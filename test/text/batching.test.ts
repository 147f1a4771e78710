import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lengthBuckets, padIds } from "../../src/text/batching.js";

describe("length-bucketed batches", () => {
  it("groups texts of similar length and covers every index once", () => {
    const lengths = [10, 3, 7, 3, 12, 5];
    const batches = lengthBuckets(lengths, 2);
    assert.deepEqual(batches, [
      [1, 3],
      [5, 2],
      [0, 4],
    ]);
    assert.deepEqual(batches.flat().sort(), [0, 1, 2, 3, 4, 5]);
  });

  it("pads each row to the batch's longest sequence", () => {
    const { data, width } = padIds(
      [
        [5, 6, 7],
        [5, 9],
      ],
      0,
    );
    assert.equal(width, 3);
    assert.deepEqual(Array.from(data, Number), [5, 6, 7, 5, 9, 0]);
  });

  it("rejects a batch size below 1", () => {
    assert.throws(() => lengthBuckets([1], 0), RangeError);
  });
});
