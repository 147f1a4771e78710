/**
 * fp16 models whose inputs and outputs are float16, as real fp16 exports have: zeroclip converts
 * float32 inputs to half floats and float16 outputs back (src/model/session.ts toTensor/run,
 * src/util/float16.ts). Checked two ways:
 * - at the boundary, against onnxruntime's own Cast (round to nearest even): a float16 Identity
 *   graph run through zeroclip's OnnxTower must give exactly what a float32 → float16 → float32
 *   Cast graph gives in onnxruntime, for float32 values across the whole range (subnormals,
 *   ties, overflow);
 * - end to end on a generated tiny CLIP whose fp16 files have float16 I/O: embeddings are
 *   exact halves and agree with the fp32 files (same weights) within fp16 precision.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import ort from "onnxruntime-node";
import { ClipModel } from "../../src/model/clip-model.js";
import { OnnxTower } from "../../src/model/session.js";
import { fromHalf, toHalf } from "../../src/util/float16.js";
import { cosine, maxAbsDiff } from "../model-gen/reference.js";
import { encodeWithSharp, makeTempDir, noisePixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { DataType, modelMsg, type OnnxGraph } from "../support/model-gen/onnx.js";
import { toBytes, writeMsg } from "../support/model-gen/proto.js";

/**
 * fp16 keeps 11 significant bits: one rounding step is 2^-11 ≈ 4.9e-4 relative. Weights, every
 * activation and the output are rounded, through 2 layers; the measured largest difference to
 * fp32 is ~9e-4 of the largest component. 8 steps (3.9e-3) leaves margin, while a lost or
 * wrong conversion (bits read as numbers, a missing scale) is off by orders of magnitude.
 */
const FP16_TOLERANCE = 8 * 2 ** -11;

const meta = { producerName: "zeroclip-test", producerVersion: "1" };

/** Float32 values over the whole range: random bit patterns, and the halves' rounding ties. */
function boundaryValues(): Float32Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out: number[] = [];
  let s = 777;
  for (let i = 0; i < 20_000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Exponents 2^-30 … 2^20 mostly (where halves live), some anywhere.
    u[0] = i % 4 === 0 ? s : (s & 0x807fffff) | ((97 + (s % 51)) << 23);
    if (Number.isFinite(f[0])) out.push(f[0]);
  }
  for (const x of [0, -0, 2 ** -25, 3 * 2 ** -25, 2 ** -24, 1023.5 * 2 ** -24, 2 ** -14]) {
    out.push(x, -x);
  }
  out.push(1 + 2 ** -11, 1 + 3 * 2 ** -11, 2047.5, 65504, 65519, 65520, 65536, 1e6, Infinity);
  return Float32Array.from(out);
}
const TEXTS = ["a photo of a cat", "a drawing of a tree frog", "x", "an origami horse, folded"];

describe("float16 at the onnxruntime boundary", () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir("zeroclip-fp16-boundary-");
  });
  after(() => removeDir(dir));

  it("zeroclip's conversions equal onnxruntime's Cast, value for value", async () => {
    const values = boundaryValues();
    const n = values.length;
    // Through zeroclip: float32 → toTensor (half) → Identity → float16 output → run (float32).
    const identity: OnnxGraph = {
      name: "identity16",
      nodes: [
        { opType: "Identity", name: "id", inputs: ["pixel_values"], outputs: ["out"], attrs: {} },
      ],
      initializers: [],
      inputs: [{ name: "pixel_values", elemType: DataType.FLOAT16, shape: [1, n] }],
      outputs: [{ name: "out", elemType: DataType.FLOAT16, shape: [1, n] }],
    };
    const file = join(dir, "identity16.onnx");
    await writeMsg(file, modelMsg(identity, meta));
    const tower = await OnnxTower.open(file, "out", {});
    const got = await tower.run({ pixel_values: { data: values, dims: [1, n] } });
    await tower.release();
    assert.equal(got.width, n);
    // Through onnxruntime alone: Cast to float16 and back, graph optimizations off.
    const casts: OnnxGraph = {
      name: "cast16",
      nodes: [
        {
          opType: "Cast",
          name: "c1",
          inputs: ["x"],
          outputs: ["h"],
          attrs: { to: { i: DataType.FLOAT16 } },
        },
        {
          opType: "Cast",
          name: "c2",
          inputs: ["h"],
          outputs: ["y"],
          attrs: { to: { i: DataType.FLOAT } },
        },
      ],
      initializers: [],
      inputs: [{ name: "x", elemType: DataType.FLOAT, shape: [1, n] }],
      outputs: [{ name: "y", elemType: DataType.FLOAT, shape: [1, n] }],
    };
    const session = await ort.InferenceSession.create(toBytes(modelMsg(casts, meta)), {
      graphOptimizationLevel: "disabled",
    });
    const ref = (await session.run({ x: new ort.Tensor("float32", values, [1, n]) })).y
      .data as Float32Array;
    await session.release();
    let differing = 0;
    for (let i = 0; i < n; i++) {
      if (!Object.is(got.data[i], ref[i])) {
        differing++;
        if (differing <= 5) {
          assert.fail(`${values[i]}: zeroclip ${got.data[i]}, onnxruntime ${ref[i]}`);
        }
      }
    }
    assert.equal(differing, 0);
  });
});

describe("fp16 model with float16 inputs and outputs", () => {
  let halfIo: string;
  let floatIo: string;
  let dir: string;
  const images: string[] = [];

  before(async () => {
    halfIo = await ensureFixtureModel("tiny", { dtypes: ["fp32", "fp16"], fp16Io: true });
    floatIo = await ensureFixtureModel("tiny", { dtypes: ["fp32", "q8", "fp16"] });
    dir = await makeTempDir("zeroclip-fp16-io-");
    for (const [i, [w, h]] of [
      [64, 48],
      [30, 90],
      [224, 224],
    ].entries()) {
      const file = join(dir, `img${i}.png`);
      await writeFile(file, await encodeWithSharp(noisePixels(w, h, 3, 40 + i), "png"));
      images.push(file);
    }
  });
  after(() => removeDir(dir));

  const embeddings = async (modelDir: string, dtype: "fp32" | "fp16") => {
    const model = await ClipModel.load(modelDir, { dtype });
    try {
      const text = await model.embedTexts(TEXTS, { normalize: false });
      const image = (await model.embedImages(images, { normalize: false })).map((r) => {
        assert.ok(r.embedding, r.error);
        return r.embedding;
      });
      return { text, image };
    } finally {
      await model.dispose();
    }
  };

  it("the generated graphs really declare float16 inputs and outputs", async () => {
    const vision = await ort.InferenceSession.create(
      join(halfIo, "onnx", "vision_model_fp16.onnx"),
    );
    const text = await ort.InferenceSession.create(join(halfIo, "onnx", "text_model_fp16.onnx"));
    try {
      const type = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? m.type : "?");
      assert.deepEqual(vision.inputMetadata.map(type), ["float16"]);
      assert.deepEqual(vision.outputMetadata.map(type), ["float16", "float16"]);
      assert.deepEqual(text.inputMetadata.map(type), ["int64"]);
      assert.deepEqual(text.outputMetadata.map(type), ["float16", "float16"]);
      // And the float32-I/O variant does not (it is the comparison below).
      const other = await ort.InferenceSession.create(
        join(floatIo, "onnx", "vision_model_fp16.onnx"),
      );
      assert.deepEqual(other.inputMetadata.map(type), ["float32"]);
      await other.release();
    } finally {
      await vision.release();
      await text.release();
    }
  });

  it("embeddings are exact halves and agree with fp32 within fp16 precision", async (t) => {
    const half = await embeddings(halfIo, "fp16");
    const full = await embeddings(halfIo, "fp32");
    const viaCasts = await embeddings(floatIo, "fp16");
    for (const kind of ["text", "image"] as const) {
      half[kind].forEach((e, i) => {
        // float16 outputs: every value is a finite half.
        for (const x of e)
          assert.ok(Number.isFinite(x) && fromHalf(toHalf(x)) === x, `${kind} ${i}: ${x}`);
        const c = cosine(e, full[kind][i]);
        const scale = Math.max(...[...full[kind][i]].map(Math.abs));
        const d = maxAbsDiff(e, full[kind][i]) / scale;
        const dCast = maxAbsDiff(e, viaCasts[kind][i]) / scale;
        t.diagnostic(
          `${kind} ${i}: cosine to fp32 ${c.toFixed(7)}, max diff ${d.toExponential(2)} of max|x| ` +
            `(${dCast.toExponential(2)} to the float32-I/O fp16 file)`,
        );
        assert.ok(c > 0.9999, `${kind} ${i}: cosine ${c}`);
        assert.ok(d < FP16_TOLERANCE, `${kind} ${i}: max diff ${d} of max|x|`);
      });
    }
  });
});
