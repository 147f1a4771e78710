/**
 * The generated SigLIP / SigLIP 2 directories: files, configs, ONNX interfaces (the
 * Transformers.js exports' names and shapes), operators, determinism, Transformers.js loading.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import {
  env,
  pipeline,
  RawImage,
  SiglipTextModel,
  SiglipVisionModel,
  Tensor,
} from "@huggingface/transformers";
import { generateSiglipModel, SIGLIP_TINY } from "../support/model-gen/siglip/index.js";
import { tempDir } from "./helpers.js";
import { readOnnx } from "./onnx-reader.js";
import {
  idsTensor,
  pixelsTensor,
  rows,
  session,
  type TinyFixture,
  tinyFixture,
} from "./siglip-helpers.js";
import { cosine } from "./siglip-reference.js";

const json = async (path: string) => JSON.parse(await readFile(path, "utf8"));
const FILES = [
  "config.json",
  "onnx",
  "preprocessor_config.json",
  "special_tokens_map.json",
  "tokenizer.json",
  "tokenizer_config.json",
];
const ONNX = [
  "model.onnx",
  "model_quantized.onnx",
  "text_model.onnx",
  "text_model_quantized.onnx",
  "vision_model.onnx",
  "vision_model_quantized.onnx",
];

const io = (vs: { name: string; dims: (string | number)[] }[]) => vs.map((v) => [v.name, v.dims]);

for (const family of ["siglip", "siglip2"] as const) {
  describe(`${family} tiny directory`, () => {
    let fx: TinyFixture;
    before(async () => {
      fx = await tinyFixture(family);
    });

    it("has the Transformers.js layout", async () => {
      assert.deepEqual((await readdir(fx.dir)).filter((f) => f !== "fixture.json").sort(), FILES);
      assert.deepEqual((await readdir(join(fx.dir, "onnx"))).sort(), ONNX);
    });

    it("writes config.json as transformers saves a SiglipModel (defaults omitted)", async () => {
      const cfg = await json(join(fx.dir, "config.json"));
      assert.equal(cfg.model_type, "siglip");
      assert.deepEqual(cfg.architectures, ["SiglipModel"]);
      assert.equal(cfg.text_config.model_type, "siglip_text_model");
      assert.equal(cfg.vision_config.model_type, "siglip_vision_model");
      assert.equal(cfg.text_config.hidden_size, 32);
      assert.equal(cfg.vision_config.patch_size, 16);
      assert.equal(cfg.vision_config.image_size, 224);
      const tj = await json(join(fx.dir, "tokenizer.json"));
      const vocab =
        family === "siglip" ? tj.model.vocab.length : Object.keys(tj.model.vocab).length;
      assert.equal(cfg.text_config.vocab_size, vocab);
      for (const k of ["max_position_embeddings", "hidden_act", "layer_norm_eps"]) {
        assert.ok(!(k in cfg.text_config) && !(k in cfg.vision_config), k);
      }
    });

    it("writes SiglipImageProcessor's preprocessor_config.json", async () => {
      const pp = await json(join(fx.dir, "preprocessor_config.json"));
      assert.equal(pp.image_processor_type, "SiglipImageProcessor");
      assert.deepEqual(pp.size, { height: 224, width: 224 });
      assert.equal(pp.resample, family === "siglip" ? 3 : 2);
      assert.deepEqual(
        [pp.image_mean, pp.image_std],
        [
          [0.5, 0.5, 0.5],
          [0.5, 0.5, 0.5],
        ],
      );
      assert.equal(pp.rescale_factor, 1 / 255);
      assert.ok(pp.do_resize && pp.do_rescale && pp.do_normalize);
      assert.ok(!("crop_size" in pp) && !("do_center_crop" in pp));
    });

    it("writes the tokenizer_config.json of the real checkpoints", async () => {
      const text = await readFile(join(fx.dir, "tokenizer_config.json"), "utf8");
      const tc = JSON.parse(text);
      if (family === "siglip") {
        assert.equal(tc.tokenizer_class, "SiglipTokenizer");
        assert.equal(tc.model_max_length, 64);
        assert.equal(tc.do_lower_case, true);
        assert.deepEqual([tc.pad_token, tc.eos_token, tc.unk_token], ["</s>", "</s>", "<unk>"]);
        assert.deepEqual(tc.model_input_names, ["input_ids"]);
      } else {
        assert.equal(tc.tokenizer_class, "GemmaTokenizer");
        assert.deepEqual([tc.add_bos_token, tc.add_eos_token], [false, true]);
        assert.deepEqual([tc.pad_token, tc.eos_token, tc.bos_token], ["<pad>", "<eos>", "<bos>"]);
        assert.match(text, /"model_max_length": 1000000000000000019884624838656,/);
      }
    });

    it("has the split towers' and the joint model's inputs and outputs", () => {
      const h = 32;
      const text = readOnnx(join(fx.dir, "onnx", "text_model.onnx"));
      assert.deepEqual(io(text.inputs), [["input_ids", ["batch_size", "sequence_length"]]]);
      assert.deepEqual(io(text.outputs), [
        ["last_hidden_state", ["batch_size", "sequence_length", h]],
        ["pooler_output", ["batch_size", h]],
      ]);
      const pixels = (b: string) => ["pixel_values", [b, "num_channels", "height", "width"]];
      const vision = readOnnx(join(fx.dir, "onnx", "vision_model.onnx"));
      assert.deepEqual(io(vision.inputs), [pixels("batch_size")]);
      assert.deepEqual(io(vision.outputs), [
        ["last_hidden_state", ["batch_size", 196, h]],
        ["pooler_output", ["batch_size", h]],
      ]);
      const joint = readOnnx(join(fx.dir, "onnx", "model.onnx"));
      assert.deepEqual(io(joint.inputs), [
        ["input_ids", ["text_batch_size", "sequence_length"]],
        pixels("image_batch_size"),
      ]);
      assert.deepEqual(io(joint.outputs), [
        ["logits_per_image", ["image_batch_size", "text_batch_size"]],
        ["logits_per_text", ["text_batch_size", "image_batch_size"]],
        ["text_embeds", ["text_batch_size", h]],
        ["image_embeds", ["image_batch_size", h]],
      ]);
      for (const m of [text, vision, joint]) {
        assert.equal(m.irVersion, 8);
        assert.deepEqual(m.opsets, [{ domain: "", version: 17 }]);
      }
    });

    it("stores logit_scale and logit_bias ([1]) in model.onnx only", () => {
      const joint = readOnnx(join(fx.dir, "onnx", "model.onnx"));
      for (const name of ["logit_scale", "logit_bias"]) {
        assert.deepEqual(joint.initializers.get(name)?.dims, [1], name);
      }
      for (const f of ["text_model.onnx", "vision_model.onnx"]) {
        const m = readOnnx(join(fx.dir, "onnx", f));
        assert.ok(!m.initializers.has("logit_scale") && !m.initializers.has("logit_bias"), f);
      }
    });

    it("builds SigLIP's architecture: no text mask, biased patch conv, no class token, eps 1e-6", () => {
      const text = readOnnx(join(fx.dir, "onnx", "text_model.onnx"));
      const ops = new Set(text.nodes.map((n) => n.opType));
      for (const op of ["Trilu", "ArgMax", "Where"]) assert.ok(!ops.has(op), op);
      assert.ok(ops.has("Tanh") && ops.has("Pow"), "gelu_pytorch_tanh");
      assert.ok(!ops.has("Sigmoid"), "no quick_gelu");
      const vision = readOnnx(join(fx.dir, "onnx", "vision_model.onnx"));
      const conv = vision.nodes.filter((n) => n.opType === "Conv");
      assert.equal(conv.length, 1);
      assert.equal(conv[0].inputs.length, 3);
      assert.ok(![...vision.initializers.keys()].some((k) => k.includes("class_embedding")));
      assert.deepEqual(vision.initializers.get("vision_model.head.probe")?.dims, [1, 1, 32]);
      assert.deepEqual(
        vision.initializers.get("vision_model.embeddings.position_embedding.weight")?.dims,
        [196, 32],
      );
      const lns = [...text.nodes, ...vision.nodes].filter((n) => n.opType === "LayerNormalization");
      // text: 2 per layer + final; vision: 2 per layer + post + head
      assert.equal(lns.length, 2 * 2 + 1 + 2 * 2 + 2);
      for (const n of lns) assert.ok(Math.abs(n.floatAttrs.epsilon - 1e-6) < 1e-12, n.name);
    });

    it("loads in Transformers.js: SiglipTextModel / SiglipVisionModel and the sigmoid pipeline", async () => {
      env.allowRemoteModels = false;
      env.localModelPath = `${dirname(fx.dir)}/`;
      const name = basename(fx.dir);
      const tm = await SiglipTextModel.from_pretrained(name, {
        local_files_only: true,
        dtype: "fp32",
      });
      const ids = [[5, 6, 7, ...Array(61).fill(1)]];
      const flat = BigInt64Array.from(ids[0].map(BigInt));
      const out = await tm({ input_ids: new Tensor("int64", flat, [1, 64]) });
      const ours = await (await session(join(fx.dir, "onnx", "text_model.onnx"))).run({
        input_ids: idsTensor(ids),
      });
      assert.ok(cosine(out.pooler_output.data, rows(ours.pooler_output)[0]) > 0.99999);
      const vm = await SiglipVisionModel.from_pretrained(name, {
        local_files_only: true,
        dtype: "fp32",
      });
      assert.ok(vm);
      // Transformers.js' pipeline pads SigLIP text to the tokenizer's model_max_length, which
      // the SigLIP 2 fixture leaves at int(1e30) (padding to it fails), so only SigLIP runs it.
      if (family === "siglip2") return;
      const classify = await pipeline("zero-shot-image-classification", name, {
        local_files_only: true,
        dtype: "fp32",
      });
      const img = new RawImage(
        new Uint8ClampedArray(64 * 48 * 3).map((_, i) => (i * 37) % 256),
        64,
        48,
        3,
      );
      const res = (await classify(img, ["cat", "dog", "car"])) as {
        label: string;
        score: number;
      }[];
      assert.equal(res.length, 3);
      const sum = res.reduce((a, r) => a + r.score, 0);
      assert.ok(res.every((r) => r.score > 0 && r.score < 1));
      assert.ok(Math.abs(sum - 1) > 1e-3, "sigmoid scores, not a softmax");
    });
  });
}

describe("SigLIP generator determinism", () => {
  it("same seed → identical bytes; another seed → other weights", async () => {
    const root = await tempDir();
    const gen = (d: string, seed: number) =>
      generateSiglipModel(join(root, d), { family: "siglip", dims: SIGLIP_TINY, seed });
    await Promise.all([gen("a", 5), gen("b", 5), gen("c", 6)]);
    for (const f of ["onnx/model.onnx", "onnx/text_model.onnx", "tokenizer.json", "config.json"]) {
      const [a, b, c] = await Promise.all(["a", "b", "c"].map((d) => readFile(join(root, d, f))));
      assert.ok(a.equals(b), f);
      if (f.startsWith("onnx")) assert.ok(!a.equals(c), f);
      else assert.ok(a.equals(c), f);
    }
  });
});

describe("SigLIP size overrides", () => {
  it("a 256 px model (like siglip-base-patch16-256) has 256 patch positions everywhere", async () => {
    const dir = join(await tempDir(), "m256");
    await generateSiglipModel(dir, {
      family: "siglip",
      dims: { ...SIGLIP_TINY, imageSize: 256 },
      seed: 1,
    });
    assert.equal((await json(join(dir, "config.json"))).vision_config.image_size, 256);
    const pp = await json(join(dir, "preprocessor_config.json"));
    assert.deepEqual(pp.size, { height: 256, width: 256 });
    const vision = readOnnx(join(dir, "onnx", "vision_model.onnx"));
    assert.deepEqual(vision.outputs[0].dims, ["batch_size", 256, 32]);
    const s = await session(join(dir, "onnx", "vision_model.onnx"));
    const px = new Float32Array(3 * 256 * 256).fill(0.25);
    const out = await s.run({ pixel_values: pixelsTensor(px, 1, 256) });
    assert.deepEqual(out.pooler_output.dims, [1, 32]);
  });
});
