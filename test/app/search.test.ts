/**
 * One search for the CLI and the server (src/app/search.ts). The drift it closes: `POST
 * /v1/search` embedded an image query with the server's EXIF setting while `zeroclip search`
 * used the store's, so a store indexed with `--no-exif-orientation` answered an EXIF-rotated
 * query differently over HTTP. Here the store is indexed without EXIF orientation, the server
 * runs with it on (its default), and the query is the stored image itself: both paths must find
 * it with cosine 1 and give the same hits. A control shows the two settings do give different
 * embeddings for this image, so the check can fail.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { searchStore, storeImageSettings } from "../../src/app/search.js";
import { cosine } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { buildServer, searchPlugin } from "../../src/serve/index.js";
import { indexImages } from "../../src/store/indexer.js";
import { openStore } from "../../src/store/open.js";
import type { Neighbour, VectorStore } from "../../src/store/types.js";
import {
  encodeWithSharp,
  exifOrientedJpeg,
  makeTempDir,
  noisePixels,
  removeDir,
} from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("search: the CLI's function is the server's", () => {
  let dir: string;
  let model: ClipModel;
  let store: VectorStore;
  let app: FastifyInstance;
  let rotated: string;

  before(async () => {
    dir = await makeTempDir("zeroclip-app-search-");
    model = await ClipModel.load(await ensureFixtureModel("tiny"), { preprocessWorkers: 1 });
    rotated = join(dir, "rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
    const others = [join(dir, "noise-1.png"), join(dir, "noise-2.png")];
    for (const [i, f] of others.entries()) {
      await writeFile(f, await encodeWithSharp(noisePixels(40, 40, 3, i + 1), "png"));
    }
    store = await openStore(join(dir, "photos.zcstore"));
    const report = await indexImages(model, store, [rotated, ...others], {
      exifOrientation: false,
    });
    assert.equal(report.failed, 0);
    app = await buildServer({
      model,
      diskCache: false,
      logger: false,
      plugins: [searchPlugin(store)],
    });
  });
  after(async () => {
    await app?.close();
    await store?.close();
    await model?.dispose();
    await removeDir(dir);
  });

  it("control: this image's embedding depends on the EXIF setting", async () => {
    const [on, off] = await Promise.all([
      model.embedImages([rotated], { exifOrientation: true }),
      model.embedImages([rotated], { exifOrientation: false }),
    ]);
    const similarity = cosine(on[0].embedding!, off[0].embedding!);
    assert.ok(similarity < 0.999, `EXIF on vs off: cosine ${similarity}`);
  });

  it("reads the store's image settings", async () => {
    assert.deepEqual(await storeImageSettings(store), { exifOrientation: false });
  });

  it("an image query finds itself (cosine 1) through the library, as the CLI calls it", async () => {
    const [r] = await searchStore(model, store, [{ image: rotated }], { k: 3 });
    assert.equal(r.error, undefined);
    assert.equal(r.results?.[0].input, rotated);
    assert.ok(Math.abs((r.results?.[0].score ?? 0) - 1) < 1e-5, `score ${r.results?.[0].score}`);
  });

  it("POST /v1/search answers the same hits though the server's own EXIF setting is on", async () => {
    const [want] = await searchStore(model, store, [{ image: rotated }], { k: 3 });
    const res = await app.inject({
      method: "POST",
      url: "/v1/search",
      payload: { image: (await readFile(rotated)).toString("base64"), k: 3 },
    });
    assert.equal(res.statusCode, 200, res.body);
    const got = res.json() as { query: string; results: Neighbour[] };
    assert.equal(got.query, "<image>");
    assert.deepEqual(
      got.results.map((h) => h.input),
      want.results?.map((h) => h.input),
    );
    for (const [i, h] of got.results.entries()) {
      assert.ok(Math.abs(h.score - (want.results?.[i].score ?? Number.NaN)) < 1e-6, `hit ${i}`);
    }
    assert.ok(Math.abs(got.results[0].score - 1) < 1e-5, `score ${got.results[0].score}`);
  });

  it("a text query through the server equals the library's", async () => {
    const [want] = await searchStore(model, store, [{ text: "a photo" }], {
      k: 2,
      templates: ["{}", "a picture of {}"],
    });
    const res = await app.inject({
      method: "POST",
      url: "/v1/search",
      payload: { text: "a photo", k: 2, templates: ["{}", "a picture of {}"] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const got = res.json() as { results: Neighbour[] };
    assert.deepEqual(
      got.results.map((h) => h.input),
      want.results?.map((h) => h.input),
    );
    for (const [i, h] of got.results.entries()) {
      assert.ok(Math.abs(h.score - (want.results?.[i].score ?? Number.NaN)) < 1e-6, `hit ${i}`);
    }
  });
});
