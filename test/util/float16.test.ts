/**
 * IEEE 754 binary16 conversion (src/util/float16.ts), the path fp16 models with float16 inputs
 * and outputs take: known bit patterns (subnormals, ties to even, overflow to infinity), and
 * every float32 checked against an independent nearest-even rounding over the list of all
 * finite halves.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { floatsToHalf, fromHalf, halfToFloats, toHalf } from "../../src/util/float16.js";

const hex = (h: number) => `0x${h.toString(16).padStart(4, "0")}`;

/** [float32 value, binary16 bits] pairs worked out by hand from the format. */
const KNOWN: [number, number, string][] = [
  [0, 0x0000, "zero"],
  [-0, 0x8000, "negative zero"],
  [1, 0x3c00, "one"],
  [-2, 0xc000, "minus two"],
  [0.5, 0x3800, "a half"],
  [0.1, 0x2e66, "0.1 (rounded down)"],
  [1 / 3, 0x3555, "1/3"],
  [65504, 0x7bff, "largest finite"],
  [2 ** -14, 0x0400, "smallest normal"],
  [2 ** -24, 0x0001, "smallest subnormal"],
  [1023 * 2 ** -24, 0x03ff, "largest subnormal"],
  [Infinity, 0x7c00, "+inf"],
  [-Infinity, 0xfc00, "-inf"],
  // Ties go to the even mantissa.
  [1 + 2 ** -11, 0x3c00, "tie between 0x3c00 and 0x3c01 → even 0x3c00"],
  [1 + 3 * 2 ** -11, 0x3c02, "tie between 0x3c01 and 0x3c02 → even 0x3c02"],
  [1 + 2 ** -11 + 2 ** -20, 0x3c01, "just above the tie → up"],
  [1 + 2 ** -11 - 2 ** -22, 0x3c00, "just below the tie → down"],
  [2047.5, 0x6800, "tie between 2047 (0x67ff, odd) and 2048 (0x6800) → 0x6800"],
  // Subnormal results.
  [2 ** -25, 0x0000, "half the smallest subnormal: tie → 0"],
  [3 * 2 ** -25, 0x0002, "tie between 0x0001 and 0x0002 → 0x0002"],
  [5 * 2 ** -26, 0x0001, "1.25 × smallest subnormal → 0x0001"],
  [2 ** -25 + 2 ** -35, 0x0001, "just above half the smallest subnormal → 0x0001"],
  [2 ** -26, 0x0000, "a quarter of the smallest subnormal → 0"],
  [-(2 ** -24), 0x8001, "negative subnormal"],
  [1e-30, 0x0000, "far below → 0"],
  [-1e-30, 0x8000, "far below, negative → -0"],
  [1023.5 * 2 ** -24, 0x0400, "tie above the largest subnormal → rounds up into the normals"],
  // Overflow.
  [65519, 0x7bff, "below the midpoint to 65536 → largest finite"],
  [65520, 0x7c00, "the midpoint: tie to even (0x7bff is odd) → inf"],
  [65536, 0x7c00, "2^16 → inf"],
  [100000, 0x7c00, "in [2^16, 2^17): the exponent field would be all ones → inf, not NaN"],
  [1e6, 0x7c00, "far above → inf"],
  [-1e6, 0xfc00, "far above, negative → -inf"],
];

describe("float16 conversion", () => {
  it("toHalf gives the known bit patterns", () => {
    for (const [value, bits, what] of KNOWN) {
      assert.equal(hex(toHalf(value)), hex(bits), `${what} (${value})`);
    }
    assert.equal(toHalf(Number.NaN) & 0x7c00, 0x7c00, "NaN keeps an all-ones exponent");
    assert.notEqual(toHalf(Number.NaN) & 0x03ff, 0, "NaN keeps a non-zero mantissa");
  });

  it("fromHalf gives the known values", () => {
    // The exactly representable entries of the table map back to themselves.
    const exact = [0, -0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, Infinity];
    for (const [value, bits] of KNOWN) {
      if (exact.some((x) => Object.is(x, value))) assert.ok(Object.is(fromHalf(bits), value));
    }
    assert.equal(fromHalf(0x0001), 2 ** -24);
    assert.equal(fromHalf(0x03ff), 1023 * 2 ** -24);
    assert.equal(fromHalf(0x0400), 2 ** -14);
    assert.equal(fromHalf(0x3c01), 1 + 2 ** -10);
    assert.equal(fromHalf(0x7bff), 65504);
    assert.equal(fromHalf(0xc000), -2);
    assert.equal(fromHalf(0x7c00), Infinity);
    assert.equal(fromHalf(0xfc00), -Infinity);
    assert.ok(Number.isNaN(fromHalf(0x7e00)));
    assert.ok(Number.isNaN(fromHalf(0x7c01)));
    assert.ok(Object.is(fromHalf(0x8000), -0));
  });

  it("every half survives fromHalf → toHalf", () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x03ff) !== 0) continue; // NaNs
      assert.equal(toHalf(fromHalf(h)), h, hex(h));
    }
  });

  it("float32 values round to the nearest half, ties to even (independent reference)", () => {
    // All finite non-negative halves in increasing order: bits 0x0000 … 0x7bff.
    const values = Array.from({ length: 0x7c00 }, (_, h) => fromHalf(h));
    for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1]);
    const reference = (x: number): number => {
      const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
      const a = Math.abs(x);
      // Beyond 65504 the next "value" is 65536 (where the exponent overflows): IEEE rounding
      // treats it as the neighbour, with an even (zero) mantissa.
      if (a >= 65536) return sign | 0x7c00;
      let lo = 0;
      let hi = values.length - 1;
      if (a >= values[hi]) {
        const mid = (values[hi] + 65536) / 2;
        return sign | (a < mid ? hi : 0x7c00);
      }
      while (hi - lo > 1) {
        const m = (lo + hi) >> 1;
        if (values[m] <= a) lo = m;
        else hi = m;
      }
      const dLo = a - values[lo];
      const dHi = values[hi] - a;
      if (dLo < dHi) return sign | lo;
      if (dHi < dLo) return sign | hi;
      return sign | (lo % 2 === 0 ? lo : hi);
    };
    // Random float32 bit patterns across the whole exponent range, plus every tie and the
    // values next to it around the subnormal/normal boundary and the top of the range.
    let s = 12345;
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    const samples: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      u[0] = s;
      if (Number.isFinite(f[0])) samples.push(f[0]);
    }
    for (const h of [0, 1, 2, 0x3fe, 0x3ff, 0x400, 0x401, 0x3c00, 0x3c01, 0x7bfe, 0x7bff]) {
      const tie = Math.fround((fromHalf(h) + (h === 0x7bff ? 65536 : fromHalf(h + 1))) / 2);
      for (const d of [-1, 0, 1]) {
        u[0] = 0;
        f[0] = tie;
        u[0] += d;
        samples.push(f[0], -f[0]);
      }
    }
    for (const x of samples) assert.equal(hex(toHalf(x)), hex(reference(x)), String(x));
  });

  it("the array helpers convert element by element", () => {
    const src = new Float32Array([1, -2, 65520, 2 ** -25, 0.1]);
    const bits = floatsToHalf(src);
    assert.ok(bits instanceof Uint16Array);
    assert.deepEqual([...bits], [0x3c00, 0xc000, 0x7c00, 0x0000, 0x2e66]);
    const back = halfToFloats(bits);
    assert.ok(back instanceof Float32Array);
    assert.deepEqual([...back], [1, -2, Infinity, 0, Math.fround(fromHalf(0x2e66))]);
  });
});
