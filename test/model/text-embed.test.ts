import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("ClipModel.embedTexts (generated tiny model)", () => {
  let model: ClipModel;
  before(async () => {
    model = await ClipModel.load(await ensureFixtureModel("tiny"));
  });
  after(() => model?.dispose());

  it("encodes each distinct text once, reports progress per batch, returns one row per input", async () => {
    const texts = ["a cat", "a dog", "a cat", "a photo of a tree frog", "x", "a dog", "y"];
    const calls: [number, number][] = [];
    const embs = await model.embedTexts(texts, {
      batchSize: 2,
      onProgress: (d, t) => calls.push([d, t]),
    });
    assert.deepEqual(calls, [
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    assert.equal(embs.length, texts.length);
    assert.deepEqual(embs[0], embs[2]);
    assert.notDeepEqual(embs[0], embs[1]);
    for (const e of embs) assert.ok(Math.abs(Math.hypot(...e) - 1) < 1e-5);
  });

  it("batching and padding do not change embeddings (causal mask + EOS pooling)", async () => {
    const texts = ["a", "a photo of a cat on a mat", "the tree frog", "dog"];
    const alone = await Promise.all(texts.map(async (t) => (await model.embedTexts([t]))[0]));
    const together = await model.embedTexts(texts, { batchSize: 4 });
    texts.forEach((_, i) => {
      const d = Math.max(...together[i].map((x, k) => Math.abs(x - alone[i][k])));
      assert.ok(d < 1e-5, `${texts[i]}: max diff ${d}`);
    });
  });
});
