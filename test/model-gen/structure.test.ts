/** The generated directory: files, configs, ONNX interface, determinism, Transformers.js loading. */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { generateClipModel, TINY } from "../support/model-gen/index.js";
import { noise, runText, runVision, session, tempDir } from "./helpers.js";
import { readOnnx } from "./onnx-reader.js";
import { cosine, maxAbsDiff } from "./reference.js";

const ONNX_FILES = [
  "text_model.onnx",
  "text_model_fp16.onnx",
  "text_model_quantized.onnx",
  "vision_model.onnx",
  "vision_model_fp16.onnx",
  "vision_model_quantized.onnx",
];
const TOP_FILES = [
  "config.json",
  "merges.txt",
  "onnx",
  "preprocessor_config.json",
  "special_tokens_map.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "vocab.json",
];

let a: string;
let b: string;
let c: string;

before(async () => {
  const root = await tempDir();
  [a, b, c] = ["a", "b", "c"].map((x) => join(root, x));
  const dtypes = ["fp32", "q8", "fp16"] as const;
  await generateClipModel(a, { dims: TINY, seed: 3, dtypes: [...dtypes] });
  await generateClipModel(b, { dims: TINY, seed: 3, dtypes: [...dtypes] });
  await generateClipModel(c, { dims: TINY, seed: 4, dtypes: [...dtypes] });
});

const json = async (path: string) => JSON.parse(await readFile(path, "utf8"));

describe("generated model directory", () => {
  it("has the Transformers.js layout", async () => {
    assert.deepEqual((await readdir(a)).sort(), TOP_FILES);
    assert.deepEqual((await readdir(join(a, "onnx"))).sort(), ONNX_FILES);
  });

  it("writes HF CLIP config.json and preprocessor_config.json", async () => {
    const cfg = await json(join(a, "config.json"));
    assert.equal(cfg.model_type, "clip");
    assert.equal(cfg.projection_dim, 16);
    assert.equal(cfg.logit_scale_init_value, 2.6592);
    assert.equal(cfg.text_config.eos_token_id, 2);
    assert.equal(cfg.text_config.vocab_size, TINY.vocabSize);
    assert.equal(cfg.text_config.hidden_act, "quick_gelu");
    assert.equal(cfg.text_config.layer_norm_eps, 1e-5);
    assert.equal(cfg.vision_config.patch_size, 32);
    assert.equal(cfg.vision_config.image_size, 224);
    const pre = await json(join(a, "preprocessor_config.json"));
    assert.deepEqual(pre.size, { shortest_edge: 224 });
    assert.deepEqual(pre.crop_size, { height: 224, width: 224 });
    assert.equal(pre.resample, 3, "bicubic");
    assert.deepEqual(pre.image_mean, [0.48145466, 0.4578275, 0.40821073]);
    assert.deepEqual(pre.image_std, [0.26862954, 0.26130258, 0.27577711]);
  });

  it("declares the Xenova input/output names, types and shapes", async () => {
    for (const suffix of ["", "_quantized", "_fp16"]) {
      const text = await session(join(a, "onnx", `text_model${suffix}.onnx`));
      assert.deepEqual(
        text.inputMetadata.map((m) => m.isTensor && [m.name, m.type, m.shape]),
        [["input_ids", "int64", ["batch_size", "sequence_length"]]],
      );
      assert.deepEqual(
        text.outputMetadata.map((m) => m.isTensor && [m.name, m.type, m.shape]),
        [
          ["text_embeds", "float32", ["batch_size", 16]],
          ["last_hidden_state", "float32", ["batch_size", "sequence_length", 32]],
        ],
      );
      const vision = await session(join(a, "onnx", `vision_model${suffix}.onnx`));
      assert.deepEqual(
        vision.inputMetadata.map((m) => m.isTensor && [m.name, m.type, m.shape]),
        [["pixel_values", "float32", ["batch_size", 3, 224, 224]]],
      );
      assert.deepEqual(
        vision.outputMetadata.map((m) => m.isTensor && [m.name, m.type, m.shape]),
        [
          ["image_embeds", "float32", ["batch_size", 16]],
          ["last_hidden_state", "float32", ["batch_size", 50, 32]],
        ],
      );
    }
  });

  it("is an opset-17 model with raw_data float initializers", () => {
    const m = readOnnx(join(a, "onnx", "text_model.onnx"));
    assert.equal(m.irVersion, 8);
    assert.deepEqual(m.opsets, [{ domain: "", version: 17 }]);
    const emb = m.initializers.get("text_model.embeddings.token_embedding.weight");
    assert.deepEqual(emb?.dims, [TINY.vocabSize, 32]);
    assert.equal(emb?.dataType, 1);
    assert.equal(emb?.raw.length, TINY.vocabSize * 32 * 4);
    const ops = new Set(m.nodes.map((n) => n.opType));
    for (const op of ["Gather", "LayerNormalization", "Softmax", "Trilu", "ArgMax", "Sigmoid"]) {
      assert.ok(ops.has(op), op);
    }
  });

  it("produces non-degenerate outputs for batched inputs", async () => {
    const text = await session(join(a, "onnx", "text_model.onnx"));
    const eos = TINY.vocabSize - 1;
    const out = await runText(text, [
      [eos - 1, 320, 555, eos],
      [eos - 1, 773, 12, eos],
      [eos - 1, 5, eos, eos],
    ]);
    assert.deepEqual(out.dims.embeds, [3, 16]);
    assert.deepEqual(out.dims.lastHidden, [3, 4, 32]);
    assert.ok(out.embeds.every(Number.isFinite));
    assert.ok(cosine(out.embeds.subarray(0, 16), out.embeds.subarray(16, 32)) < 0.99);
    const vision = await session(join(a, "onnx", "vision_model.onnx"));
    // Two noise images look alike to a random CLIP (as to the real random tiny-clip), so
    // compare noise with a checkerboard.
    const pixels = noise(2 * 3 * 224 * 224, 9);
    const board = pixels.subarray(3 * 224 * 224);
    board.forEach((_, i) => {
      board[i] = (((i % 224) >> 4) + (((i / 224) | 0) >> 4)) % 2 ? 1.5 : -1.5;
    });
    const v = await runVision(vision, pixels, 2, 224);
    assert.deepEqual(v.dims.lastHidden, [2, 50, 32]);
    assert.ok(cosine(v.embeds.subarray(0, 16), v.embeds.subarray(16, 32)) < 0.99);
  });

  it("is byte-identical for the same seed and differs for another seed", async () => {
    for (const f of [
      ...TOP_FILES.filter((x) => x !== "onnx"),
      ...ONNX_FILES.map((x) => `onnx/${x}`),
    ]) {
      const [fa, fb, fc] = await Promise.all([a, b, c].map((d) => readFile(join(d, f))));
      assert.ok(fa.equals(fb), `${f} differs between runs with the same seed`);
      if (f.startsWith("onnx/")) assert.ok(!fa.equals(fc), `${f} identical for another seed`);
      else assert.ok(fa.equals(fc), `${f} should not depend on the seed`);
    }
  });

  it("loads in Transformers.js (tokenizer, processor, both towers, fp32 and q8)", async () => {
    const tjs = await import("@huggingface/transformers");
    tjs.env.allowRemoteModels = false;
    tjs.env.localModelPath = dirname(a);
    const id = basename(a);
    const tokenizer = await tjs.AutoTokenizer.from_pretrained(id);
    const inputs = tokenizer(["a photo of a cat", "a photo of a tree frog"], { padding: true });
    const ids = (inputs.input_ids.tolist() as bigint[][]).map((r) => r.map(Number));
    const direct = await runText(await session(join(a, "onnx", "text_model.onnx")), ids);
    for (const dtype of ["fp32", "q8"] as const) {
      const model = await tjs.CLIPTextModelWithProjection.from_pretrained(id, { dtype });
      const { text_embeds } = await model(inputs);
      assert.deepEqual(text_embeds.dims, [2, 16]);
      const tol = dtype === "fp32" ? 1e-6 : 0.5;
      assert.ok(maxAbsDiff(text_embeds.data as Float32Array, direct.embeds) < tol, dtype);
    }
    const processor = await tjs.AutoProcessor.from_pretrained(id);
    const pixels = new Uint8ClampedArray(200 * 300 * 3).map((_, i) => (i * 37) % 256);
    const image = new tjs.RawImage(pixels, 300, 200, 3);
    const { pixel_values } = await processor(image);
    assert.deepEqual(pixel_values.dims, [1, 3, 224, 224]);
    const vision = await tjs.CLIPVisionModelWithProjection.from_pretrained(id, { dtype: "fp32" });
    const { image_embeds } = await vision({ pixel_values });
    assert.deepEqual(image_embeds.dims, [1, 16]);
  });
});
