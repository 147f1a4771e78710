/**
 * The index use case (src/app/index-images.ts). The drift it closes: a run into an existing store
 * took its model from the store but its EXIF setting from the command line's default (on), so a
 * store made with `--no-exif-orientation` refused every later `zeroclip index` run that did not
 * repeat the flag, while `zeroclip worker` took the store's setting. Now the store's image settings
 * are the default of every run: the second run below, given no setting, must add the new image
 * decoded as the store's first images were (EXIF off), and a setting given against the store's
 * must be refused. A control shows the two settings give different embeddings for this image.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { indexInputs } from "../../src/app/index-images.js";
import { cosine } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { openStore } from "../../src/store/open.js";
import { ModelError, UsageError } from "../../src/util/errors.js";
import {
  encodeWithSharp,
  exifOrientedJpeg,
  makeTempDir,
  noisePixels,
  removeDir,
} from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("index use case: the store's settings are every later run's defaults", () => {
  let dir: string;
  let modelDir: string;
  let model: ClipModel;
  let noise: string;
  let rotated: string;
  let storePath: string;

  before(async () => {
    dir = await makeTempDir("zeroclip-app-index-");
    modelDir = await ensureFixtureModel("tiny");
    model = await ClipModel.load(modelDir, { preprocessWorkers: 1 });
    noise = join(dir, "noise.png");
    await writeFile(noise, await encodeWithSharp(noisePixels(40, 40, 3, 7), "png"));
    rotated = join(dir, "rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
    storePath = join(dir, "photos.zcstore");
  });
  after(async () => {
    await model?.dispose();
    await removeDir(dir);
  });

  it("control: this image's embedding depends on the EXIF setting", async () => {
    const [on, off] = await Promise.all([
      model.embedImages([rotated], { exifOrientation: true }),
      model.embedImages([rotated], { exifOrientation: false }),
    ]);
    assert.ok(cosine(on[0].embedding!, off[0].embedding!) < 0.999);
  });

  it("no inputs is a usage error, before any store is opened", async () => {
    await assert.rejects(
      indexInputs({ inputs: [], store: join(dir, "never.zcstore") }),
      UsageError,
    );
  });

  it("a second run without settings uses the store's (EXIF off), a contrary one is refused", async () => {
    const plans: number[] = [];
    const first = await indexInputs(
      {
        inputs: [noise],
        store: storePath,
        model: { name: modelDir, preprocessWorkers: 1 },
        image: { exifOrientation: false },
      },
      { onPlan: (p) => plans.push(p.todo) },
    );
    assert.deepEqual([first.report.added, first.report.failed, first.done], [1, 0, true]);
    assert.deepEqual(first.holds, { ok: 1, failed: 0 });

    // No model, no dtype, no image settings: all of them are the store's.
    const progress: [number, number][] = [];
    const second = await indexInputs(
      {
        inputs: [rotated],
        store: storePath,
        model: { preprocessWorkers: 1 },
      },
      {
        onPlan: (p) => plans.push(p.todo),
        onProgress: (p) => progress.push([p.done, p.total]),
      },
    );
    assert.deepEqual([second.report.added, second.report.failed], [1, 0]);
    assert.deepEqual(second.holds, { ok: 2, failed: 0 });
    assert.deepEqual(plans, [1, 1]);
    assert.deepEqual(progress.at(-1), [1, 1]);

    const store = await openStore(storePath, { readonly: true });
    try {
      assert.equal((await store.identity())?.exifOrientation, false);
      const stored = (await store.get([rotated])).get(rotated);
      assert.ok(stored, "the rotated image is stored");
      const [off] = await model.embedImages([rotated], { exifOrientation: false });
      assert.ok(cosine(stored, off.embedding!) > 0.99999, "decoded with the store's EXIF off");
    } finally {
      await store.close();
    }

    await assert.rejects(
      indexInputs({
        inputs: [rotated],
        store: storePath,
        model: { preprocessWorkers: 1 },
        image: { exifOrientation: true },
      }),
      ModelError,
    );
  });
});
