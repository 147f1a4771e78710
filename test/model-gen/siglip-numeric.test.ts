/**
 * The generated SigLIP / SigLIP 2 graphs, run by onnxruntime, against the float64 reference
 * (modeling_siglip.py) fed with the weights read back from the ONNX initializers: embeddings
 * cos ≥ 0.9999, logits and sigmoid probabilities within 1e-4.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadReferenceTokenizer } from "../support/siglip-reference-tokenizer.js";
import { noise } from "./helpers.js";
import { maxAbsDiff } from "./reference.js";
import {
  idsTensor,
  loadSiglipReference,
  onnxWeights,
  pixelsTensor,
  rows,
  session,
  type TinyFixture,
  tinyFixture,
} from "./siglip-helpers.js";
import { cosine, SiglipReference, sigmoid, type TowerOutput } from "./siglip-reference.js";

const TEXTS = [
  "This is a photo of a cat.",
  "A PHOTO OF A DOG!!!",
  "Ein Foto von einer Katze über dem Hund",
];

for (const family of ["siglip", "siglip2"] as const) {
  describe(`${family} tiny: ONNX vs float64 reference`, () => {
    let fx: TinyFixture;
    let ref: SiglipReference;
    let ids: number[][];
    let pixels: Float32Array;
    let refText: TowerOutput[];
    let refImage: TowerOutput[];
    const size = 224;

    before(async () => {
      fx = await tinyFixture(family);
      ref =
        family === "siglip"
          ? new SiglipReference(fx.dims, onnxWeights(join(fx.dir, "onnx", "model.onnx")))
          : await loadSiglipReference(fx.dir); // dims from config.json

      const tok = await loadReferenceTokenizer(fx.dir);
      ids = TEXTS.map((t) => tok.encode(t));
      pixels = noise(2 * 3 * size * size, 7).map((x) => x / 2);
      refText = ids.map((r) => ref.text(r));
      refImage = [0, 1].map((i) =>
        ref.vision(pixels.subarray(i * 3 * size * size, (i + 1) * 3 * size * size)),
      );
    });

    it("text_model.onnx: pooler_output and last_hidden_state", async () => {
      const s = await session(join(fx.dir, "onnx", "text_model.onnx"));
      const out = await s.run({ input_ids: idsTensor(ids) });
      assert.deepEqual(out.pooler_output.dims, [3, fx.dims.hidden]);
      assert.deepEqual(out.last_hidden_state.dims, [3, 64, fx.dims.hidden]);
      rows(out.pooler_output).forEach((got, i) => {
        assert.ok(cosine(got, refText[i].pooled) >= 0.9999, `text ${i} cos`);
        assert.ok(maxAbsDiff(got, refText[i].pooled) < 1e-3, `text ${i} max diff`);
      });
      const lh = out.last_hidden_state.data as Float32Array;
      const n = 64 * fx.dims.hidden;
      refText.forEach((r, i) => {
        const flat = Float64Array.from(r.lastHidden.flatMap((row) => Array.from(row)));
        assert.ok(maxAbsDiff(lh.subarray(i * n, (i + 1) * n), flat) < 1e-3);
      });
    });

    it("vision_model.onnx: pooler_output (attention-pooling head) and last_hidden_state", async () => {
      const s = await session(join(fx.dir, "onnx", "vision_model.onnx"));
      const out = await s.run({ pixel_values: pixelsTensor(pixels, 2, size) });
      assert.deepEqual(out.pooler_output.dims, [2, fx.dims.hidden]);
      assert.deepEqual(out.last_hidden_state.dims, [2, 196, fx.dims.hidden]);
      rows(out.pooler_output).forEach((got, i) => {
        assert.ok(cosine(got, refImage[i].pooled) >= 0.9999, `image ${i} cos`);
        assert.ok(maxAbsDiff(got, refImage[i].pooled) < 1e-3);
      });
      const lh = out.last_hidden_state.data as Float32Array;
      const n = 196 * fx.dims.hidden;
      refImage.forEach((r, i) => {
        const flat = Float64Array.from(r.lastHidden.flatMap((row) => Array.from(row)));
        assert.ok(maxAbsDiff(lh.subarray(i * n, (i + 1) * n), flat) < 1e-3);
      });
    });

    it("model.onnx: logits = exp(logit_scale)·cos + logit_bias; sigmoid within 1e-4", async () => {
      const s = await session(join(fx.dir, "onnx", "model.onnx"));
      const out = await s.run({
        input_ids: idsTensor(ids),
        pixel_values: pixelsTensor(pixels, 2, size),
      });
      assert.deepEqual(out.logits_per_image.dims, [2, 3]);
      assert.deepEqual(out.logits_per_text.dims, [3, 2]);
      const perImage = rows(out.logits_per_image);
      const perText = rows(out.logits_per_text);
      for (let i = 0; i < 2; i++) {
        for (let t = 0; t < 3; t++) {
          const want = ref.logit(refText[t].pooled, refImage[i].pooled);
          assert.ok(Math.abs(perImage[i][t] - want) < 1e-4, `logit ${i},${t}`);
          assert.ok(Math.abs(sigmoid(perImage[i][t]) - sigmoid(want)) < 1e-4);
          assert.equal(perText[t][i], perImage[i][t]);
        }
      }
      // The joint embeddings are the towers' pooler outputs, L2-normalised.
      rows(out.text_embeds).forEach((e, t) => {
        assert.ok(Math.abs(Math.hypot(...e) - 1) < 1e-5);
        assert.ok(cosine(e, refText[t].pooled) >= 0.9999);
      });
      rows(out.image_embeds).forEach((e, i) => {
        assert.ok(cosine(e, refImage[i].pooled) >= 0.9999);
      });
      // The sigmoid scores spread (neither saturated at 0 nor at 1).
      const probs = perImage.flatMap((r) => Array.from(r, sigmoid));
      assert.ok(Math.max(...probs) - Math.min(...probs) > 1e-3, JSON.stringify(probs));
    });

    it("the q8 towers stay close to the reference (cos ≥ 0.99)", async () => {
      const t = await (await session(join(fx.dir, "onnx", "text_model_quantized.onnx"))).run({
        input_ids: idsTensor(ids),
      });
      rows(t.pooler_output).forEach((got, i) => {
        assert.ok(cosine(got, refText[i].pooled) >= 0.99);
      });
      const v = await (await session(join(fx.dir, "onnx", "vision_model_quantized.onnx"))).run({
        pixel_values: pixelsTensor(pixels, 2, size),
      });
      rows(v.pooler_output).forEach((got, i) => {
        assert.ok(cosine(got, refImage[i].pooled) >= 0.99);
      });
    });

    it("has no attention mask: the text embedding depends on the padding", async () => {
      const s = await session(join(fx.dir, "onnx", "text_model.onnx"));
      const padded = ids[0];
      const eos = padded[padded.length - 1];
      const content = padded.slice(0, padded.indexOf(eos) + 1);
      const short = await s.run({ input_ids: idsTensor([content]) });
      const shortRef = ref.text(content).pooled;
      const got = rows(short.pooler_output)[0];
      assert.ok(cosine(got, shortRef) >= 0.9999);
      assert.ok(cosine(got, refText[0].pooled) < 0.999, "unpadded must differ from padded");
    });
  });
}
