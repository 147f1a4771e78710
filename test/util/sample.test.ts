/**
 * The seeded sample of `--per-class` / `--limit` (docs/eval.md: Fisher–Yates driven by
 * mulberry32, seed 0 by default) pinned to known outputs. The literal values below come from
 * the C reference implementation of mulberry32 compiled with gcc (uint32 arithmetic), not from
 * this project's code; mulberry32(0)'s first float, 0.26642920868471265, is the value commonly
 * quoted for the JavaScript original.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mulberry32, sampleItems, seededPermutation } from "../../src/util/sample.js";
import { referenceMulberry32, referenceSample } from "../support/mulberry32.js";

const FIRST_OUTPUTS: [number, number[]][] = [
  [0, [1144304738, 1416247, 958946056, 627933444, 2007157716]],
  [1, [2693262067, 11749833, 2265367787, 4213581821, 4159151403]],
  [42, [2581720956, 1925393290, 3661312704, 2876485805, 750819978]],
  [4294967295, [3850105811, 813802916, 3073704848, 4054706436, 3630262831]],
];

/** 12 items whose label is index % 3, or 25 such items. */
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, label: i % 3 }));
const ids = (list: { id: number }[]) => list.map((x) => x.id);

describe("seeded sample (mulberry32)", () => {
  it("mulberry32 gives the reference outputs", () => {
    for (const [seed, want] of FIRST_OUTPUTS) {
      const rand = mulberry32(seed);
      assert.deepEqual(
        want.map(() => rand() * 2 ** 32),
        want,
        `seed ${seed}`,
      );
    }
    assert.equal(mulberry32(0)(), 0.26642920868471265);
  });

  it("the BigInt transcription of the C reference agrees (so it can check more seeds)", () => {
    for (const [seed, want] of FIRST_OUTPUTS) {
      const next = referenceMulberry32(seed);
      assert.deepEqual(
        want.map(() => next()),
        want,
      );
    }
    for (let seed = 0; seed < 200; seed++) {
      const a = mulberry32(seed);
      const b = referenceMulberry32(seed);
      for (let k = 0; k < 50; k++) assert.equal(a() * 2 ** 32, b(), `seed ${seed} output ${k}`);
    }
  });

  it("permutations and samples are the pinned ones", () => {
    assert.deepEqual(seededPermutation(10, 0), [3, 8, 6, 4, 5, 9, 7, 1, 0, 2]);
    assert.deepEqual(seededPermutation(10, 7), [6, 5, 8, 1, 2, 3, 4, 7, 9, 0]);
    assert.deepEqual(ids(sampleItems(items(12), { perClass: 2 })), [4, 5, 6, 8, 9, 10]);
    assert.deepEqual(ids(sampleItems(items(12), { perClass: 2, seed: 0 })), [4, 5, 6, 8, 9, 10]);
    assert.deepEqual(ids(sampleItems(items(12), { limit: 5, seed: 3 })), [1, 5, 7, 9, 11]);
    assert.deepEqual(ids(sampleItems(items(12), { perClass: 2, limit: 3, seed: 7 })), [3, 7, 10]);
    assert.deepEqual(ids(sampleItems(items(25), { perClass: 2 })), [2, 8, 12, 13, 15, 22]);
  });

  it("samples equal the documented procedure for many sizes, seeds and options", () => {
    for (const n of [1, 2, 7, 30, 101]) {
      const list = items(n);
      const labels = list.map((x) => x.label);
      for (const seed of [0, 1, 5, 123456789]) {
        for (const opts of [
          { perClass: 1 },
          { perClass: 4 },
          { limit: 6 },
          { perClass: 3, limit: 5 },
        ]) {
          assert.deepEqual(
            ids(sampleItems(list, { ...opts, seed })),
            referenceSample(labels, { ...opts, seed }),
            `n ${n} seed ${seed} ${JSON.stringify(opts)}`,
          );
        }
      }
    }
  });
});
