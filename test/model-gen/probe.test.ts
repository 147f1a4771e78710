/**
 * The probe fixture's colour-grid vision tower: its image embedding is the mean of the
 * preprocessed pixels over each cell of a 4 × 4 grid, checked against a direct computation on
 * the same pixels, and it tells differently coloured images apart.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { decodeImage } from "../../src/image/decode.js";
import { preprocessImage } from "../../src/image/preprocess.js";
import { cosine } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

async function png(w: number, h: number, pixel: (x: number, y: number) => number[]) {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(pixel(x, y), (y * w + x) * 3);
  return sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

describe("probe fixture (colour-grid vision tower)", () => {
  it("embeds an image as its grid of mean normalized colours", async () => {
    const dir = await ensureFixtureModel("probe");
    const model = await ClipModel.load(dir, { preprocessWorkers: 1 });
    try {
      const bytes = await png(61, 47, (x, y) => [(x * 4) % 256, (y * 5) % 256, (x * y) % 256]);
      const [r] = await model.embedImages([bytes], { normalize: false });
      assert.ok(r.embedding, r.error);
      const cfg = model.preprocess;
      const pixels = preprocessImage(await decodeImage(bytes), cfg);
      const s = cfg.cropWidth;
      const g = 4;
      const cell = s / g;
      assert.equal(r.embedding.length, 3 * g * g);
      for (let c = 0; c < 3; c++) {
        for (let gy = 0; gy < g; gy++) {
          for (let gx = 0; gx < g; gx++) {
            let sum = 0;
            for (let y = gy * cell; y < (gy + 1) * cell; y++)
              for (let x = gx * cell; x < (gx + 1) * cell; x++)
                sum += pixels[c * s * s + y * s + x];
            const expected = sum / (cell * cell);
            const got = r.embedding[c * g * g + gy * g + gx];
            assert.ok(
              Math.abs(got - expected) < 1e-5,
              `cell ${c},${gy},${gx}: ${got} vs ${expected}`,
            );
          }
        }
      }
    } finally {
      await model.dispose();
    }
  });

  it("tells colours apart where a random CLIP tower cannot", async () => {
    const dir = await ensureFixtureModel("probe");
    const model = await ClipModel.load(dir, { preprocessWorkers: 1 });
    try {
      const solid = (rgb: number[]) => png(32, 32, () => rgb);
      const images = await Promise.all([
        solid([220, 30, 30]),
        solid([200, 50, 40]),
        solid([30, 40, 220]),
      ]);
      const [red1, red2, blue] = (await model.embedImages(images)).map((r) => r.embedding!);
      assert.ok(cosine(red1, red2) > 0.98, `similar reds: ${cosine(red1, red2)}`);
      assert.ok(cosine(red1, blue) < 0.5, `red vs blue: ${cosine(red1, blue)}`);
      // The text tower is the tiny random CLIP one, with the probe's 48-d projection.
      const [t] = await model.embedTexts(["a photo of a cat."]);
      assert.equal(t.length, 48);
    } finally {
      await model.dispose();
    }
  });
});
