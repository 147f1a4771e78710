/** Building blocks: protobuf encoding, float16 rounding, PRNG, weight shapes and statistics. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHalf as toHalfBits } from "../../src/util/float16.js";
import { generateClipWeights, TINY } from "../support/model-gen/index.js";
import { Msg, toBytes } from "../support/model-gen/proto.js";
import { Rng } from "../support/model-gen/random.js";

describe("protobuf writer", () => {
  it("encodes varints, negative int64, floats and nested lengths per the wire format", () => {
    const hex = (m: Msg) => Buffer.from(toBytes(m)).toString("hex");
    assert.equal(hex(new Msg().varint(1, 150)), "089601");
    assert.equal(hex(new Msg().varint(1, 300)), "08ac02");
    assert.equal(hex(new Msg().varint(3, -1)), "18ffffffffffffffffff01");
    assert.equal(hex(new Msg().float(2, 1.5)), "150000c03f");
    assert.equal(hex(new Msg().string(2, "testing")), "120774657374696e67");
    assert.equal(hex(new Msg().message(3, new Msg().varint(1, 150))), "1a03089601");
    const lazy = { length: 3, produce: () => Uint8Array.from([1, 2, 3]) };
    const big = new Uint8Array(300).fill(7);
    const m = new Msg().bytes(9, lazy).bytes(9, big);
    assert.equal(m.length, 2 + 3 + 3 + 300);
    assert.equal(hex(m).slice(0, 16), "4a030102034aac02");
  });
});

describe("float16 conversion", () => {
  it("rounds to nearest even, with subnormals, overflow and NaN", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [3 * 2 ** -25, 0x0002],
      [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [Number.POSITIVE_INFINITY, 0x7c00],
    ];
    for (const [v, bits] of cases) assert.equal(toHalfBits(v), bits, `${v}`);
    assert.equal(toHalfBits(Number.NaN) & 0x7c00, 0x7c00);
    assert.notEqual(toHalfBits(Number.NaN) & 0x3ff, 0);
  });
});

describe("seeded PRNG", () => {
  it("is a pure function of (seed, stream) with standard normal output", () => {
    const a = new Rng(1, "x").fillNormal(new Float32Array(200_000), 0, 1);
    const b = new Rng(1, "x").fillNormal(new Float32Array(200_000), 0, 1);
    assert.deepEqual(a, b);
    const c = new Rng(1, "y").fillNormal(new Float32Array(8), 0, 1);
    const d = new Rng(2, "x").fillNormal(new Float32Array(8), 0, 1);
    assert.notDeepEqual(c, a.subarray(0, 8));
    assert.notDeepEqual(d, a.subarray(0, 8));
    let mean = 0;
    for (const v of a) mean += v;
    mean /= a.length;
    let variance = 0;
    let within1 = 0;
    for (const v of a) {
      variance += (v - mean) ** 2;
      if (Math.abs(v) < 1) within1++;
    }
    variance /= a.length;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(variance) - 1) < 0.01, `std ${Math.sqrt(variance)}`);
    assert.ok(Math.abs(within1 / a.length - 0.6827) < 0.005, `P(|z|<1) ${within1 / a.length}`);
  });
});

describe("generateClipWeights", () => {
  const w = generateClipWeights(TINY, 0);

  it("has the HF CLIPModel state-dict names and shapes", () => {
    const perLayer = 16;
    assert.equal(w.size, 2 + perLayer * 2 + 2 + 1 + (3 + 2 + perLayer * 2 + 2 + 1));
    const shape = (n: string) => w.get(n)?.dims;
    assert.deepEqual(shape("text_model.embeddings.token_embedding.weight"), [1024, 32]);
    assert.deepEqual(shape("text_model.embeddings.position_embedding.weight"), [77, 32]);
    assert.deepEqual(shape("text_model.encoder.layers.1.mlp.fc1.weight"), [64, 32]);
    assert.deepEqual(shape("text_model.encoder.layers.1.mlp.fc2.weight"), [32, 64]);
    assert.deepEqual(shape("text_projection.weight"), [16, 32]);
    assert.deepEqual(shape("vision_model.embeddings.patch_embedding.weight"), [32, 3, 32, 32]);
    assert.deepEqual(shape("vision_model.embeddings.position_embedding.weight"), [50, 32]);
    assert.deepEqual(shape("vision_model.embeddings.class_embedding"), [32]);
    assert.deepEqual(shape("vision_model.pre_layrnorm.weight"), [32]);
    assert.deepEqual(shape("visual_projection.weight"), [16, 32]);
  });

  it("draws values with the declared mean and std, identically on every call", () => {
    for (const [name, lw] of w) {
      const v = lw.values();
      assert.equal(
        v.length,
        lw.dims.reduce((a, b) => a * b, 1),
        name,
      );
      assert.deepEqual(v, lw.values(), name);
      if (v.length < 1000) continue;
      let mean = 0;
      for (const x of v) mean += x;
      mean /= v.length;
      let sq = 0;
      for (const x of v) sq += (x - mean) ** 2;
      const std = Math.sqrt(sq / v.length);
      assert.ok(Math.abs(mean - lw.mean) < 0.1 * lw.std, `${name} mean ${mean}`);
      assert.ok(Math.abs(std / lw.std - 1) < 0.1, `${name} std ${std} vs ${lw.std}`);
    }
    const ln = w.get("vision_model.post_layernorm.weight");
    assert.equal(ln?.mean, 1);
  });
});
