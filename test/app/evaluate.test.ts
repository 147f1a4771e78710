/**
 * The evaluate and adapt use cases (src/app/evaluate.ts, evaluate-fewshot.ts, adapt.ts).
 *
 * - Image settings are one value: the EXIF setting a request gives is the one the image-embedding
 *   cache is keyed by AND the one images are decoded with. An EXIF-rotated image evaluated with
 *   EXIF orientation off must be cached, under the EXIF-off cache file, with its EXIF-off
 *   embedding (a control shows the two settings give different embeddings), and the EXIF-on cache
 *   file must not hold it (a caller cannot poison one setting's cache with the other's pixels).
 * - The few-shot defaults (shots 1,2,4,8,16, seeds 1,2,3) are the use case's, and the JSON carries
 *   them (`fewshot.shots`, `fewshot.seeds`, `strategies.NAME.fewshot.METHOD.K.runs`, one per seed).
 * - `--no-cache` has one meaning: no on-disk cache of results (embeddings, LLM answers) is read or
 *   written; adapt with both its caches off writes none, with them on it fills both (a control).
 */
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readAdapterFile } from "../../src/adapt/adapter-file.js";
import { adapt } from "../../src/app/adapt.js";
import { evaluate } from "../../src/app/evaluate.js";
import { openImageStore } from "../../src/cache/image-pass.js";
import { resolveImageSettings } from "../../src/image/settings.js";
import { cosine } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { sha256 } from "../../src/util/hash.js";
import {
  encodeWithSharp,
  exifOrientedJpeg,
  makeTempDir,
  noisePixels,
  removeDir,
} from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

async function writeClassFolders(root: string, perClass: number, seed: number): Promise<void> {
  for (const [c, name] of ["cat", "dog"].entries()) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = noisePixels(12, 12, 3, seed + 100 * c + i);
      await writeFile(join(root, name, `${i}.png`), await encodeWithSharp(px, "png"));
    }
  }
}

describe("evaluate and adapt use cases", () => {
  let dir: string;
  let cacheDir: string;
  let modelDir: string;
  let model: ClipModel;
  let test: string;
  let rotated: string;
  const previousCache = process.env.ZEROCLIP_CACHE;

  before(async () => {
    dir = await makeTempDir("zeroclip-app-eval-");
    cacheDir = join(dir, "cache");
    process.env.ZEROCLIP_CACHE = cacheDir;
    modelDir = await ensureFixtureModel("tiny");
    model = await ClipModel.load(modelDir, { preprocessWorkers: 1 });
    test = join(dir, "test");
    await writeClassFolders(test, 2, 1);
    rotated = join(test, "cat", "rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
  });
  after(async () => {
    if (previousCache === undefined) delete process.env.ZEROCLIP_CACHE;
    else process.env.ZEROCLIP_CACHE = previousCache;
    await model?.dispose();
    await removeDir(dir);
  });

  const modelChoice = () => ({ name: modelDir, preprocessWorkers: 1 });

  it("control: the rotated image's embedding depends on the EXIF setting", async () => {
    const [on, off] = await Promise.all([
      model.embedImages([rotated], { exifOrientation: true }),
      model.embedImages([rotated], { exifOrientation: false }),
    ]);
    assert.ok(cosine(on[0].embedding!, off[0].embedding!) < 0.999);
  });

  it("one EXIF setting keys the cache and decodes the images", async () => {
    const out = await evaluate({
      dataset: test,
      strategies: ["base=single:a photo of a {}."],
      image: { exifOrientation: false },
      model: modelChoice(),
    });
    assert.equal(out.result.failed.length, 0);
    assert.equal(out.result.imagePass.computed, 5);
    const [off] = await model.embedImages([rotated], { exifOrientation: false });
    const i = out.result.evaluated.findIndex((e) => e.path === rotated);
    assert.ok(cosine(out.result.embeddings![i], off.embedding!) > 0.99999, "decoded EXIF off");

    const hash = sha256(await readFile(rotated));
    const offCache = await openImageStore(model, resolveImageSettings({ exifOrientation: false }));
    const cached = offCache.get(hash);
    assert.ok(cached, "cached under the EXIF-off key");
    assert.ok(cosine(cached, off.embedding!) > 0.99999, "the EXIF-off embedding");
    const onCache = await openImageStore(model, resolveImageSettings({ exifOrientation: true }));
    assert.equal(onCache.get(hash), undefined, "the EXIF-on cache holds nothing of it");
    assert.notEqual(onCache.path, offCache.path);

    // A second run takes every embedding from the cache.
    const again = await evaluate({
      dataset: test,
      strategies: ["base=single:a photo of a {}."],
      image: { exifOrientation: false },
      model: modelChoice(),
    });
    assert.deepEqual(again.result.imagePass, { computed: 0, cached: 5, failed: 0 });
  });

  it("the few-shot defaults are the use case's and reach the JSON", async () => {
    const train = join(dir, "train");
    await writeClassFolders(train, 20, 1000);
    const stages = new Set<string>();
    const out = await evaluate(
      {
        dataset: test,
        strategies: ["base=single:a photo of a {}."],
        fewshot: { train, methods: ["tip-adapter"], augmentViews: 0 },
        imageCache: false,
        model: modelChoice(),
      },
      { onProgress: (p) => stages.add(`${p.stage}/${p.unit}`) },
    );
    assert.deepEqual(out.doc.fewshot?.shots, [1, 2, 4, 8, 16]);
    assert.deepEqual(out.doc.fewshot?.seeds, [1, 2, 3]);
    assert.equal(out.doc.fewshot?.val_shots, "min(K, 4)");
    const curve = out.doc.strategies.base.fewshot?.["tip-adapter"];
    assert.deepEqual(Object.keys(curve ?? {}), ["1", "2", "4", "8", "16"]);
    assert.deepEqual(
      curve?.["16"].runs.map((r) => r.seed),
      [1, 2, 3],
    );
    assert.ok(stages.has("images/images") && stages.has("few-shot runs/runs"), [...stages].join());
  });

  it("--no-cache means no on-disk cache: adapt with both caches off writes none", async () => {
    const emptyCache = join(dir, "cache-off");
    process.env.ZEROCLIP_CACHE = emptyCache;
    try {
      const out = join(dir, "off.safetensors");
      const r = await adapt({
        support: test,
        out,
        method: "tip-adapter",
        augmentViews: 1,
        imageCache: false,
        classCache: false,
        image: { exifOrientation: false },
        model: modelChoice(),
      });
      assert.equal(r.chosenBy, "defaults");
      assert.deepEqual([r.summary.alpha, r.summary.beta, r.summary.gamma], [1, 5.5, null]);
      const file = await readAdapterFile(out);
      assert.equal(file.adapter.classes.length, 2);
      assert.equal(file.info.exif_orientation, "false", "the adapter records its image settings");
      // The model files' hash memo (file-sha256/) holds no result and is not one of the caches.
      const left = (await readdir(emptyCache).catch(() => [])).filter((f) => f !== "file-sha256");
      assert.deepEqual(left, []);

      // Control: with the caches on, both the image and the class caches are written.
      await adapt({
        support: test,
        out: join(dir, "on.safetensors"),
        method: "tip-adapter",
        augmentViews: 1,
        model: modelChoice(),
      });
      const on = await readAdapterFile(join(dir, "on.safetensors"));
      assert.equal(on.info.exif_orientation, "true");
      const written = (await readdir(emptyCache)).sort();
      assert.ok(written.includes("image-embeddings"), written.join());
      assert.ok(written.includes("class-embeddings"), written.join());
    } finally {
      process.env.ZEROCLIP_CACHE = cacheDir;
    }
  });
});
