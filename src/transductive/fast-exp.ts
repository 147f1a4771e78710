/**
 * exp(x) for x ≤ 0, the softmax's only argument range once the row maximum is subtracted,
 * about 2.5 times faster than Math.exp in V8 (measured in the solver's loop): the classic
 * table method. x = (64·m + f)·ln2/64 + r with |r| ≤ ln2/128, so e^x = 2^m · 2^(f/64) · e^r,
 * with 2^(f/64) from a 64-entry table and e^r by its Taylor polynomial to r⁶ (truncation error
 * below r⁷/7! ≤ 3e-20). ln2/64 is split in two (fdlibm's ln2 halves) so the reduction is exact
 * to about 1e-17; the table entries are correctly rounded to within an ulp, so the relative
 * error is a few 1e-16, checked against Math.exp in test/transductive/fast-exp.test.ts. Below
 * -708 (results near or under the smallest normal double), above 0 and for NaN it defers to
 * Math.exp.
 * Pure math.
 */
const SCALE = 64 / Math.LN2;
const LN2_HI = 6.9314718036912382e-1 / 64;
const LN2_LO = 1.9082149292705877e-10 / 64;
/** Adding and subtracting 1.5·2⁵² rounds a double of magnitude < 2⁵¹ to the nearest integer. */
const ROUND = 6755399441055744;

/** 2^e for e in [-1022, 0], at index e + 1022. */
const POW2 = Float64Array.from({ length: 1023 }, (_, i) => 2 ** (i - 1022));
/** 2^(f/64) for f in [0, 63]. */
const FRACTION = Float64Array.from({ length: 64 }, (_, f) => 2 ** (f / 64));

export function expNonPositive(x: number): number {
  if (!(x >= -708 && x <= 0)) return Math.exp(x);
  const j = x * SCALE + ROUND - ROUND;
  const r = x - j * LN2_HI - j * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r / 720)))));
  const ji = j | 0;
  return p * FRACTION[ji & 63] * POW2[(ji >> 6) + 1022];
}
