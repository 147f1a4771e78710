/**
 * The image-embedding cache cannot be poisoned by a library caller: its key (the file a store
 * lives in) holds the EXIF setting, and the image pass decodes with the store's setting. Before,
 * the flag was given twice (once to `openImageStore`, once to `embedImageFiles`) and nothing
 * checked they agreed, so an embedding made with EXIF orientation on could be filed in the
 * "off" cache and served to every later run.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageEmbeddingStore } from "../../src/cache/embedding-store.js";
import {
  embedImageFiles,
  imageModelIdentity,
  imageStorePath,
  openImageStore,
} from "../../src/cache/image-pass.js";
import { cosine } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { UsageError } from "../../src/util/errors.js";
import { exifOrientedJpeg, makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("the image-embedding cache and the EXIF setting", () => {
  let dir: string;
  let model: ClipModel;
  let rotated: string;
  let off: Float32Array;
  let on: Float32Array;

  before(async () => {
    dir = await makeTempDir("zeroclip-image-pass-");
    model = await ClipModel.load(await ensureFixtureModel("tiny"), { preprocessWorkers: 1 });
    rotated = join(dir, "rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
    [off, on] = await Promise.all(
      [false, true].map(
        async (exifOrientation) =>
          (await model.embedImages([rotated], { exifOrientation }))[0].embedding!,
      ),
    );
  });
  after(async () => {
    await model?.dispose();
    await removeDir(dir);
  });

  it("control: the two settings give different embeddings for this image", () => {
    assert.ok(cosine(on, off) < 0.999, `cosine ${cosine(on, off)}`);
  });

  it("the settings are part of the cache key (two files)", async () => {
    const a = imageStorePath(await imageModelIdentity(model, false), dir);
    const b = imageStorePath(await imageModelIdentity(model, true), dir);
    assert.notEqual(a, b);
  });

  it("a flag other than the store's is refused; without one, the store's setting decodes", async () => {
    const cache = join(dir, "cache");
    const store = await openImageStore(model, false, cache);
    await assert.rejects(
      embedImageFiles(model, [rotated], { store, exifOrientation: true }),
      (err: unknown) => err instanceof UsageError && /EXIF orientation off/.test(err.message),
    );
    assert.equal(store.size, 0, "nothing was cached by the refused call");
    const pass = await embedImageFiles(model, [rotated], { store });
    assert.equal(pass.computed, 1);
    assert.ok(cosine(pass.results[0].embedding!, off) > 0.99999);
    // What a later run reads back from disk is the "off" embedding too.
    const again = await ImageEmbeddingStore.open(store.path, undefined);
    assert.equal(again.size, 1);
    const cached = await embedImageFiles(model, [rotated], {
      store: again,
      exifOrientation: false,
    });
    assert.equal(cached.cached, 1);
    assert.ok(cosine(cached.results[0].embedding!, off) > 0.99999);
  });
});
