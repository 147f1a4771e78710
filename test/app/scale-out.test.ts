/**
 * The scale-out use cases (src/app/scale-out.ts) against a real Redis and PostgreSQL + pgvector
 * (PGlite over the wire protocol). The drift they close: `zeroclip worker` took a store's EXIF
 * setting, but `index --queue` took the command line's (default on), so a store made with EXIF
 * orientation off refused every queued run that did not repeat the flag. Here a store is made
 * with EXIF off; a queued run given no image settings must be accepted (the store's apply), a
 * worker must embed its shard with EXIF off (the stored vector equals the EXIF-off embedding,
 * and a control shows EXIF on gives another one), and a queued run asking for EXIF on must be
 * refused with a `ModelError`.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { indexInputs } from "../../src/app/index-images.js";
import { startWorker, submitToQueue } from "../../src/app/scale-out.js";
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
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { type RedisServer, skipWithoutRedis, startRedisServer } from "../support/redis-server.js";

describe("scale-out use cases: the submitter and the worker take the store's settings", {
  skip: skipWithoutRedis,
}, () => {
  let dir: string;
  let redis: RedisServer;
  let pgServer: PgServer;
  let modelDir: string;
  let model: ClipModel;
  let noise: string;
  let rotated: string;
  let storeUrl: string;

  before(async () => {
    dir = await makeTempDir("zeroclip-app-scale-");
    [redis, pgServer, modelDir] = await Promise.all([
      startRedisServer(),
      startPgServer(),
      ensureFixtureModel("tiny"),
    ]);
    model = await ClipModel.load(modelDir, { preprocessWorkers: 1 });
    storeUrl = `${pgServer.url}?store=app`;
    noise = join(dir, "noise.png");
    await writeFile(noise, await encodeWithSharp(noisePixels(40, 40, 3, 5), "png"));
    rotated = join(dir, "rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
  });
  after(async () => {
    await model?.dispose();
    await Promise.all([redis?.stop(), pgServer?.stop()]);
    await removeDir(dir);
  });

  it("a queue needs a postgres:// store (checked before anything opens)", async () => {
    await assert.rejects(
      submitToQueue({
        inputs: [noise],
        store: join(dir, "local.zcstore"),
        queue: { url: redis.url },
      }),
      UsageError,
    );
  });

  it("queued runs and workers default to the store's EXIF setting", async () => {
    const first = await indexInputs({
      inputs: [noise],
      store: storeUrl,
      model: { name: modelDir, preprocessWorkers: 1 },
      image: { exifOrientation: false },
    });
    assert.equal(first.report.added, 1);

    const queued = await submitToQueue({
      inputs: [rotated],
      store: storeUrl,
      model: { preprocessWorkers: 1 },
      queue: { url: redis.url, wait: false },
    });
    assert.deepEqual([queued.done, queued.pending, queued.shards?.enqueued], [false, 1, 1]);

    const worker = await startWorker({
      queue: redis.url,
      store: storeUrl,
      model: { preprocessWorkers: 1 },
      exitWhenIdle: true,
    });
    assert.equal(worker.identity.exifOrientation, false);
    await worker.stopped;

    const store = await openStore(storeUrl, { readonly: true });
    try {
      const stored = (await store.get([rotated])).get(rotated);
      assert.ok(stored, "the worker stored the queued image");
      const [off, on] = await Promise.all([
        model.embedImages([rotated], { exifOrientation: false }),
        model.embedImages([rotated], { exifOrientation: true }),
      ]);
      assert.ok(cosine(stored, off[0].embedding!) > 0.99999, "decoded with EXIF off");
      assert.ok(cosine(on[0].embedding!, off[0].embedding!) < 0.999, "control");
    } finally {
      await store.close();
    }

    await assert.rejects(
      submitToQueue({
        inputs: [rotated],
        store: storeUrl,
        model: { preprocessWorkers: 1 },
        image: { exifOrientation: true },
        queue: { url: redis.url, wait: false },
      }),
      ModelError,
    );
  });
});
