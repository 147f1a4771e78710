import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expNonPositive } from "../../src/transductive/fast-exp.js";
import { seeded } from "../support/random-vectors.js";

describe("expNonPositive", () => {
  it("is within 1e-15 relative of Math.exp over [-745, 0]", () => {
    const r = seeded(12);
    let worst = 0;
    const xs = [
      0,
      -0,
      -1e-300,
      -Math.LN2,
      -0.5 * Math.LN2,
      -708,
      -707.9,
      -1,
      -50,
      -709,
      -745,
      -800,
    ];
    for (let i = 0; i < 200_000; i++) xs.push(-r() * (i % 2 ? 40 : 745));
    for (const x of xs) {
      const want = Math.exp(x);
      const got = expNonPositive(x);
      if (want === 0) assert.equal(got, 0);
      else worst = Math.max(worst, Math.abs(got - want) / want);
    }
    assert.ok(worst < 1e-15, `worst relative error ${worst}`);
    assert.equal(expNonPositive(0), 1);
  });

  it("defers to Math.exp outside its range", () => {
    assert.equal(expNonPositive(2), Math.exp(2));
    assert.ok(Number.isNaN(expNonPositive(Number.NaN)));
    assert.equal(expNonPositive(Number.NEGATIVE_INFINITY), 0);
  });
});
