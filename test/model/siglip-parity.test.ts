/**
 * SigLIP and SigLIP 2 parity of the engine (ClipModel with the detected family) against
 * independent references, on the generated tiny fixtures:
 * - ids: the reference tokenizers written from transformers' SiglipTokenizer / GemmaTokenizer /
 *   Siglip2Tokenizer (test/support/siglip-reference-tokenizer.ts), padded to 64, for every test
 *   sentence (capitals, punctuation, odd whitespace, non-ASCII, over 64 tokens);
 * - pixels: Pillow's own resize (bicubic for SigLIP, bilinear for SigLIP 2, to 224x224) then
 *   the (x/255 - 0.5)/0.5 normalisation, within one level;
 * - embeddings: the float64 reference model (test/model-gen/siglip-reference.ts) on the
 *   reference ids and on Pillow's pixels, cos >= 0.9999;
 * - probabilities: sigmoid(exp(logit_scale)·cos + logit_bias) of the reference, within 1e-4, for
 *   the classifier's default template ("This is a photo of {}.").
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { decodeImage } from "../../src/image/decode.js";
import { preprocessImage } from "../../src/image/preprocess.js";
import type { RgbImage } from "../../src/image/types.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { onnxWeights, type TinyFixture, tinyFixture } from "../model-gen/siglip-helpers.js";
import { cosine, SiglipReference, sigmoid } from "../model-gen/siglip-reference.js";
import { repoRoot } from "../support/paths.js";
import { pillowResize, pillowSkip } from "../support/pillow.js";
import {
  loadReferenceTokenizer,
  type ReferenceTokenizer,
  SIGLIP_TEST_SENTENCES,
} from "../support/siglip-reference-tokenizer.js";

const IMAGES = ["green-frog.jpg", "orange-cat.png"].map((f) =>
  join(repoRoot, "examples", "images", f),
);
const LABELS = ["frog", "cat", "tree frog"];

/** Pillow's pixels, normalised as SiglipImageProcessor does (mean = std = 0.5), CHW float64. */
function referencePixels(resized: RgbImage): Float64Array {
  const plane = resized.width * resized.height;
  const out = new Float64Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = (resized.data[p * 3 + c] / 255 - 0.5) / 0.5;
  }
  return out;
}

for (const family of ["siglip", "siglip2"] as const) {
  describe(`${family} engine parity (tiny fixture)`, () => {
    let fx: TinyFixture;
    let model: ClipModel;
    let tok: ReferenceTokenizer;
    let ref: SiglipReference;

    before(async () => {
      fx = await tinyFixture(family);
      model = await ClipModel.load(fx.dir);
      tok = await loadReferenceTokenizer(fx.dir);
      ref = new SiglipReference(fx.dims, onnxWeights(join(fx.dir, "onnx", "model.onnx")));
    });
    after(() => model?.dispose());

    it("detects the family from the model's files", () => {
      assert.equal(model.family.name, family);
      assert.equal(model.family.scoring, "sigmoid");
      assert.equal(model.preprocess.resample, family === "siglip" ? 3 : 2);
      assert.equal(model.preprocess.doCenterCrop, false);
    });

    it("ids equal the reference tokenizer for every test sentence, padded to 64", () => {
      for (const text of SIGLIP_TEST_SENTENCES) {
        const batch = model.tokenizer.pad([model.tokenizer.encode(text)]);
        assert.deepEqual(Array.from(batch.data, Number), tok.encode(text), JSON.stringify(text));
      }
    });

    it("text embeddings: cos >= 0.9999 with the float64 reference", async () => {
      const texts = SIGLIP_TEST_SENTENCES.filter((t) => t !== "");
      const got = await model.embedTexts(texts, { normalize: false, batchSize: 5 });
      texts.forEach((t, i) => {
        const want = ref.text(tok.encode(t)).pooled;
        const c = cosine(got[i], want);
        assert.ok(c >= 0.9999, `${JSON.stringify(t)}: cos ${c}`);
      });
    });

    describe("images against Pillow", { skip: pillowSkip() }, () => {
      let decoded: RgbImage[];
      let resized: RgbImage[];
      before(async () => {
        decoded = await Promise.all(IMAGES.map(async (p) => decodeImage(await readFile(p))));
        const size = model.preprocess.fixedSize!;
        resized = pillowResize(
          decoded.map((image) => ({
            image,
            width: size.width,
            height: size.height,
            filter: model.preprocess.resample,
          })),
        );
      });

      it("pixels within one level of Pillow", () => {
        decoded.forEach((img, i) => {
          const ours = preprocessImage(img, model.preprocess);
          const want = referencePixels(resized[i]);
          let worst = 0;
          for (let k = 0; k < want.length; k++) {
            worst = Math.max(worst, (Math.abs(ours[k] - want[k]) * 255) / 2);
          }
          assert.ok(worst <= 1, `${IMAGES[i]}: ${worst} levels`);
        });
      });

      it("image embeddings (cos >= 0.9999) and probabilities (within 1e-4) of the reference", async () => {
        const embedded = await model.embedImages(IMAGES, { normalize: false });
        const classifier = await ZeroShotClassifier.create(model, { labels: LABELS });
        const refTexts = LABELS.map((l) => ref.text(tok.encode(`This is a photo of ${l}.`)).pooled);
        for (const [i, r] of embedded.entries()) {
          assert.ok(r.embedding, r.error);
          const refImage = ref.vision(referencePixels(resized[i])).pooled;
          const c = cosine(r.embedding, refImage);
          assert.ok(c >= 0.9999, `${IMAGES[i]}: cos ${c}`);
          const preds = classifier.predict(r.embedding);
          LABELS.forEach((l, k) => {
            const want = sigmoid(ref.logit(refTexts[k], refImage));
            const got = preds.find((p) => p.label === l)!.score;
            assert.ok(Math.abs(got - want) <= 1e-4, `${IMAGES[i]} ${l}: ${got} vs ${want}`);
          });
        }
      });
    });
  });
}
