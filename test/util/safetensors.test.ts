/**
 * The safetensors reader and writer against byte layouts built by hand from the format's
 * description (8-byte little-endian header length, JSON header, raw little-endian data), and
 * against malformed files the reference reader refuses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../src/util/errors.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/util/safetensors.js";

/** A file from a header object and the data buffer, the header padded with spaces to 8 bytes. */
function handBuilt(header: object, data: Buffer, pad = true): Buffer {
  let json = Buffer.from(JSON.stringify(header), "utf8");
  if (pad && json.length % 8 !== 0) {
    json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), " ")]);
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

function f32(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => {
    b.writeFloatLE(v, 4 * i);
  });
  return b;
}

function f64(values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => {
    b.writeDoubleLE(v, 8 * i);
  });
  return b;
}

function i64(values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => {
    b.writeBigInt64LE(BigInt(v), 8 * i);
  });
  return b;
}

describe("safetensors", () => {
  it("writes the layout the format describes, byte for byte", () => {
    const bytes = encodeSafetensors(
      {
        w: { dtype: "F32", shape: [2, 2], data: Float32Array.of(1, -2, 0.5, 3) },
        b: { dtype: "F64", shape: [2], data: Float64Array.of(0.1, -7) },
        n: { dtype: "I64", shape: [3], data: BigInt64Array.of(0n, 2n, 1n) },
      },
      { method: "gda", classes: '["a","b"]' },
    );
    // Expected: metadata first, then 8-byte dtypes by name (b, n), then F32 (w).
    const expected = handBuilt(
      {
        __metadata__: { method: "gda", classes: '["a","b"]' },
        b: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
        n: { dtype: "I64", shape: [3], data_offsets: [16, 40] },
        w: { dtype: "F32", shape: [2, 2], data_offsets: [40, 56] },
      },
      Buffer.concat([f64([0.1, -7]), i64([0, 2, 1]), f32([1, -2, 0.5, 3])]),
    );
    assert.deepEqual(Buffer.from(bytes), expected);
    assert.equal(Number(expected.readBigUInt64LE(0)) % 8, 0);
  });

  it("reads a hand-built file, in any key order and without padding", () => {
    const file = handBuilt(
      {
        second: { dtype: "I32", shape: [2], data_offsets: [12, 20] },
        first: { dtype: "F32", shape: [3], data_offsets: [0, 12] },
        scalar: { dtype: "U8", shape: [], data_offsets: [20, 21] },
        __metadata__: { k: "v" },
      },
      Buffer.concat([
        f32([1.5, 2, -3]),
        Buffer.from([5, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]),
        Buffer.from([9]),
      ]),
      false,
    );
    const { tensors, metadata } = decodeSafetensors(file);
    assert.deepEqual(metadata, { k: "v" });
    assert.deepEqual(tensors.first.shape, [3]);
    assert.deepEqual([...tensors.first.data], [1.5, 2, -3]);
    assert.deepEqual([...tensors.second.data], [5, -2]);
    assert.deepEqual(tensors.scalar.shape, []);
    assert.deepEqual([...tensors.scalar.data], [9]);
  });

  it("round-trips every dtype exactly", () => {
    const t = {
      a: { dtype: "F64" as const, shape: [3], data: Float64Array.of(Math.PI, -0, 1e-300) },
      b: { dtype: "F32" as const, shape: [1, 2], data: Float32Array.of(1 / 3, -1e30) },
      c: { dtype: "I64" as const, shape: [2], data: BigInt64Array.of(-(2n ** 62n), 7n) },
      d: { dtype: "I32" as const, shape: [0], data: new Int32Array(0) },
    };
    const back = decodeSafetensors(encodeSafetensors(t));
    assert.deepEqual(back.metadata, {});
    for (const [name, x] of Object.entries(t)) {
      assert.equal(back.tensors[name].dtype, x.dtype);
      assert.deepEqual(back.tensors[name].shape, x.shape);
      assert.deepEqual([...back.tensors[name].data], [...x.data]);
    }
  });

  it("refuses malformed files with a one-line UsageError", () => {
    const good = { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
    const cases: [string, Buffer][] = [
      ["too short", Buffer.from([1, 2, 3])],
      [
        "header too long",
        (() => {
          const b = handBuilt(good, f32([1, 2]));
          b.writeBigUInt64LE(10_000n);
          return b;
        })(),
      ],
      ["not JSON", handBuilt({}, Buffer.alloc(0)).fill(0x7b, 8)],
      ["a gap", handBuilt({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32([1, 2]))],
      [
        "size mismatch",
        handBuilt({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32([1, 2])),
      ],
      ["trailing bytes", handBuilt(good, f32([1, 2, 3]))],
      [
        "unknown dtype",
        handBuilt({ a: { dtype: "Q4", shape: [2], data_offsets: [0, 8] } }, f32([1, 2])),
      ],
      ["metadata not strings", handBuilt({ __metadata__: { n: 1 }, ...good }, f32([1, 2]))],
      [
        "overlap",
        handBuilt({ ...good, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32([1, 2])),
      ],
    ];
    for (const [why, bytes] of cases) {
      assert.throws(
        () => decodeSafetensors(bytes, "x.safetensors"),
        (err: unknown) =>
          err instanceof UsageError &&
          /x\.safetensors is not a valid safetensors file/.test(err.message),
        why,
      );
    }
  });
});
