/**
 * The generated ONNX graphs compute Hugging Face CLIP: ORT outputs match an independent float64
 * forward pass (reference.ts) over the generator's weights, plus the causal-mask and
 * EOS-pooling invariants. When ../shared is present, the reference itself is checked against
 * real Hugging Face outputs (reference.json of a PyTorch-exported tiny CLIP).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type ort from "onnxruntime-node";
import {
  type ClipDims,
  generateClipModel,
  TINY,
  visionTokens,
} from "../support/model-gen/index.js";
import { sharedPath } from "../support/paths.js";
import { generatedWeights, noise, runText, runVision, session, slice, tempDir } from "./helpers.js";
import { loadXenovaWeights } from "./real-weights.js";
import { ClipReference, cosine, flatten, maxAbsDiff } from "./reference.js";

const SEED = 11;
// Not TINY: odd sizes (head_dim 6, 3×3 patch grid, 3 layers) catch reshape/transposition slips.
const DIMS: ClipDims = {
  ...TINY,
  textHidden: 24,
  textHeads: 4,
  textLayers: 3,
  textIntermediate: 40,
  visionHidden: 30,
  visionHeads: 5,
  visionLayers: 3,
  visionIntermediate: 52,
  imageSize: 48,
  patchSize: 16,
  projectionDim: 12,
};
const BOS = DIMS.vocabSize - 2;
const EOS = DIMS.vocabSize - 1;

let text: ort.InferenceSession;
let vision: ort.InferenceSession;
const ref = new ClipReference(DIMS, generatedWeights(DIMS, SEED));

before(async () => {
  const dir = await tempDir();
  await generateClipModel(dir, { dims: DIMS, seed: SEED });
  text = await session(join(dir, "onnx", "text_model.onnx"));
  vision = await session(join(dir, "onnx", "vision_model.onnx"));
});

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
) {
  const cos = cosine(actual, expected);
  const diff = maxAbsDiff(actual, expected);
  assert.ok(cos >= 0.9999, `${what}: cosine ${cos}`);
  assert.ok(diff <= tol, `${what}: max |diff| ${diff}`);
}

describe("generated graph vs float64 reference", () => {
  it("text tower: per-row EOS pooling, embeddings and last_hidden_state", async () => {
    // Row 0 ends early and is padded with EOS (CLIP's pad) and then arbitrary ids;
    // row 1 has its EOS last. Ids are arbitrary, below BOS.
    const rows = [
      [BOS, 320, 17, 900, EOS, EOS, 5, 0, 44],
      [BOS, 3, 1000, 12, 512, 600, 7, 8, EOS],
    ];
    const out = await runText(text, rows);
    assert.deepEqual(out.dims.embeds, [2, DIMS.projectionDim]);
    assert.deepEqual(out.dims.lastHidden, [2, rows[0].length, DIMS.textHidden]);
    const seqSize = rows[0].length * DIMS.textHidden;
    rows.forEach((ids, b) => {
      const r = ref.text(ids);
      assertClose(slice(out.embeds, b, DIMS.projectionDim), r.embeds, 1e-4, `text_embeds[${b}]`);
      assertClose(
        slice(out.lastHidden, b, seqSize),
        flatten(r.lastHidden),
        1e-4,
        `text hidden[${b}]`,
      );
    });
  });

  it("vision tower: patch order, class token, pre/post layer norms", async () => {
    const size = DIMS.imageSize;
    const perImage = 3 * size * size;
    const pixels = noise(2 * perImage, 5);
    const out = await runVision(vision, pixels, 2, size);
    const tokens = visionTokens(DIMS);
    assert.deepEqual(out.dims.embeds, [2, DIMS.projectionDim]);
    assert.deepEqual(out.dims.lastHidden, [2, tokens, DIMS.visionHidden]);
    for (let b = 0; b < 2; b++) {
      const r = ref.vision(slice(pixels, b, perImage));
      assertClose(slice(out.embeds, b, DIMS.projectionDim), r.embeds, 1e-4, `image_embeds[${b}]`);
      const hidden = slice(out.lastHidden, b, tokens * DIMS.visionHidden);
      assertClose(hidden, flatten(r.lastHidden), 1e-4, `vision hidden[${b}]`);
    }
  });

  it("text_embeds ignore anything after the first EOS", async () => {
    const ids = [BOS, 320, 555, 515, 773, EOS];
    const base = (await runText(text, [ids])).embeds;
    for (const pad of [
      [EOS, EOS, EOS],
      [0, 0],
      [EOS, 17, 900, 3],
    ]) {
      const padded = (await runText(text, [[...ids, ...pad]])).embeds;
      assert.ok(maxAbsDiff(padded, base) < 1e-5, `padding ${pad}`);
    }
  });

  it("a token only affects last_hidden_state at its own and later positions", async () => {
    const a = [BOS, 320, 555, 515, 320, 773, EOS];
    const b = [BOS, 320, 555, 515, 99, 42, EOS];
    const h = DIMS.textHidden;
    const [ha, hb] = [(await runText(text, [a])).lastHidden, (await runText(text, [b])).lastHidden];
    for (let pos = 0; pos < a.length; pos++) {
      const diff = maxAbsDiff(slice(ha, pos, h), slice(hb, pos, h));
      if (pos < 4) assert.ok(diff < 1e-6, `position ${pos} changed by ${diff}`);
      else assert.ok(diff > 1e-3, `position ${pos} should change (diff ${diff})`);
    }
  });
});

const tinyClip = sharedPath("models", "tiny-clip");

describe("float64 reference vs real Hugging Face outputs", {
  skip: !tinyClip && "../shared absent",
}, () => {
  it("reproduces reference.json of the PyTorch-exported tiny CLIP", () => {
    const dir = tinyClip as string;
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const t = cfg.text_config;
    const v = cfg.vision_config;
    const dims: ClipDims = {
      textHidden: t.hidden_size,
      textHeads: t.num_attention_heads,
      textLayers: t.num_hidden_layers,
      textIntermediate: t.intermediate_size,
      vocabSize: t.vocab_size,
      maxPositions: t.max_position_embeddings,
      visionHidden: v.hidden_size,
      visionHeads: v.num_attention_heads,
      visionLayers: v.num_hidden_layers,
      visionIntermediate: v.intermediate_size,
      imageSize: v.image_size,
      patchSize: v.patch_size,
      projectionDim: cfg.projection_dim,
    };
    const real = new ClipReference(dims, loadXenovaWeights(dir));
    const expected = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8"));
    for (const item of expected.texts.slice(0, 4)) {
      assertClose(real.text(item.input_ids).embeds, item.text_embeds, 1e-5, item.text);
    }
    let images = 0;
    for (const item of expected.images) {
      const file = sharedPath("models", "tiny-clip", "reference-images", `${item.file}.pixels.f32`);
      if (!file || images >= 2) continue;
      const buf = readFileSync(file);
      const pixels = new Float32Array(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
      );
      assertClose(real.vision(pixels).embeds, item.image_embeds, 1e-5, item.file);
      images++;
    }
    assert.ok(images > 0, "no reference pixels found");
  });
});
