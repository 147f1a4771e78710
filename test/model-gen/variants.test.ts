/**
 * q8 (dynamic int8) and fp16 variants: graph form, quantized weight semantics, and agreement
 * with the fp32 model of the same seed.
 *
 * Agreement threshold: per-tensor 7-bit weights have a rounding step of max|w|/64 ≈ σ/16
 * (max|w| ≈ 4σ), i.e. noise ≈ σ/55 ≈ 1.8 % per weight; uint8 activations add ≈ 1 %. Each
 * MatMul output is then off by ≈ 2 % relative, and an embedding with relative error ε has
 * cosine ≈ 1 − ε²/2; a few percent through a 2-layer tower gives cosine ≳ 0.998 (measured
 * 0.9988–0.9999 for TINY, 0.997+ with 12 layers). 0.995 leaves margin without hiding a
 * wrong scale, zero point or layout, which give cosines far below 0.9.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { generateClipModel, generateTowerWeights, TINY } from "../support/model-gen/index.js";
import { noise, runText, runVision, session, slice, tempDir } from "./helpers.js";
import { floatValues, readOnnx } from "./onnx-reader.js";
import { cosine } from "./reference.js";

const SEED = 21;
const P = TINY.projectionDim;
const EOS = TINY.vocabSize - 1;
const BOS = EOS - 1;
const ROWS = [
  [BOS, 320, 555, 515, 320, 773, EOS],
  [BOS, 12, 900, 44, 600, 3, EOS],
  [BOS, 700, 701, EOS, EOS, EOS, EOS],
];

let dir: string;
let fullRange: string;

function images(): Float32Array {
  const n = 3 * 224 * 224;
  const px = noise(3 * n, 2);
  px.subarray(n, 2 * n).forEach((_, i, a) => {
    a[i] = (((i % 224) >> 4) + (((i / 224) | 0) >> 4)) % 2 ? 1.5 : -1.5;
  });
  px.subarray(2 * n).forEach((_, i, a) => {
    a[i] = ((i % 224) / 112 - 1) * (i < n / 3 ? 1 : -1);
  });
  return px;
}

async function embeddings(file: (tower: string) => string) {
  const t = await runText(await session(file("text")), ROWS);
  const v = await runVision(await session(file("vision")), images(), 3, 224);
  return { text: t.embeds, image: v.embeds };
}

before(async () => {
  const root = await tempDir();
  dir = join(root, "all");
  fullRange = join(root, "full");
  await generateClipModel(dir, { dims: TINY, seed: SEED, dtypes: ["fp32", "q8", "fp16"] });
  await generateClipModel(fullRange, {
    dims: TINY,
    seed: SEED,
    dtypes: ["q8"],
    quantize: { reduceRange: false },
  });
});

describe("q8 variant", () => {
  it("replaces every MatMul by a constant with DynamicQuantizeLinear → MatMulInteger", () => {
    for (const tower of ["text", "vision"]) {
      const m = readOnnx(join(dir, "onnx", `${tower}_model_quantized.onnx`));
      const count = (op: string) => m.nodes.filter((n) => n.opType === op).length;
      const layers = 2;
      assert.equal(count("MatMulInteger"), 6 * layers + 1, tower);
      assert.equal(count("MatMul"), 2 * layers, `${tower}: only attention MatMuls stay float`);
      // One activation quantization per distinct input: LN1 (q,k,v), attention, LN2, fc2, projection.
      assert.equal(count("DynamicQuantizeLinear"), 4 * layers + 1, tower);
      for (const n of m.nodes.filter((x) => x.opType === "MatMul")) {
        assert.ok(!m.initializers.has(n.inputs[1]), `${n.name} still has a constant weight`);
      }
      for (const n of m.nodes.filter((x) =>
        ["Conv", "Gather", "LayerNormalization"].includes(x.opType),
      )) {
        for (const i of n.inputs.filter((x) => m.initializers.has(x))) {
          const dt = m.initializers.get(i)?.dataType;
          assert.ok(dt === 1 || dt === 7, `${n.opType} input ${i} has data type ${dt}`);
        }
      }
    }
  });

  for (const [label, qmax] of [
    ["7-bit (default)", 64],
    ["full range", 127],
  ] as const) {
    it(`stores symmetric per-tensor int8 weights, ${label}`, () => {
      const root = qmax === 64 ? dir : fullRange;
      const m = readOnnx(join(root, "onnx", "text_model_quantized.onnx"));
      const weights = generateTowerWeights(TINY, SEED, "text");
      const name = "text_model.encoder.layers.1.mlp.fc1.weight";
      const q = m.initializers.get(`${name}.T_quantized`);
      const scaleT = m.initializers.get(`${name}.T_scale`);
      const zp = m.initializers.get(`${name}.T_zero_point`);
      assert.ok(q && scaleT && zp);
      assert.equal(q.dataType, 3, "int8 weights (u8 activations × s8 weights)");
      assert.deepEqual(q.dims, [TINY.textHidden, TINY.textIntermediate], "[in, out] for MatMul");
      assert.equal(zp.dataType, 3);
      assert.deepEqual(Array.from(zp.raw), [0]);
      const scale = floatValues(scaleT)[0];
      const ints = new Int8Array(q.raw.buffer, q.raw.byteOffset, q.raw.length);
      const w = weights.get(name)?.values() as Float32Array; // [out, in]
      let maxQ = 0;
      for (let i = 0; i < TINY.textHidden; i++) {
        for (let o = 0; o < TINY.textIntermediate; o++) {
          const qi = ints[i * TINY.textIntermediate + o];
          maxQ = Math.max(maxQ, Math.abs(qi));
          const err = Math.abs(qi * scale - w[o * TINY.textHidden + i]);
          assert.ok(err <= scale / 2 + 1e-7, `w[${o},${i}] dequantizes off by ${err}`);
        }
      }
      assert.equal(maxQ, qmax);
    });
  }

  it("agrees with fp32 of the same seed (cosine ≥ 0.995 per embedding)", async () => {
    const fp32 = await embeddings((t) => join(dir, "onnx", `${t}_model.onnx`));
    for (const root of [dir, fullRange]) {
      const q8 = await embeddings((t) => join(root, "onnx", `${t}_model_quantized.onnx`));
      for (const kind of ["text", "image"] as const) {
        for (let i = 0; i < 3; i++) {
          const c = cosine(slice(q8[kind], i, P), slice(fp32[kind], i, P));
          assert.ok(c >= 0.995, `${kind}[${i}] cosine ${c}`);
          assert.ok(c < 1, `${kind}[${i}] identical to fp32: not quantized?`);
        }
      }
    }
  });
});

describe("fp16 variant", () => {
  it("stores float16 weights with float32 inputs/outputs and agrees with fp32", async () => {
    const m = readOnnx(join(dir, "onnx", "vision_model_fp16.onnx"));
    assert.equal(
      m.initializers.get("vision_model.embeddings.patch_embedding.weight")?.dataType,
      10,
    );
    assert.deepEqual(
      m.inputs.map((v) => v.elemType),
      [1],
    );
    assert.deepEqual(
      m.outputs.map((v) => v.elemType),
      [1, 1],
    );
    const fp32 = await embeddings((t) => join(dir, "onnx", `${t}_model.onnx`));
    const fp16 = await embeddings((t) => join(dir, "onnx", `${t}_model_fp16.onnx`));
    for (const kind of ["text", "image"] as const) {
      for (let i = 0; i < 3; i++) {
        const c = cosine(slice(fp16[kind], i, P), slice(fp32[kind], i, P));
        assert.ok(c >= 0.9999, `${kind}[${i}] cosine ${c}`);
      }
    }
  });
});
