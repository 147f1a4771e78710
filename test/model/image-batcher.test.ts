/**
 * ImageBatcher: concurrent callers' images share encoder calls. With the real model and worker
 * pool, results equal the one-shot `embedImages` path; with a scripted preparer and encoder,
 * the batch-closing rules, the queue bound, aborts and failures are checked exactly.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PrepareResponse } from "../../src/image/pool.js";
import type { ImageSource } from "../../src/image/source.js";
import type { PreprocessConfig } from "../../src/image/types.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { ImageBatcher, type PixelPreparer, QueueFullError } from "../../src/model/image-batcher.js";
import {
  encodeWithSharp,
  makeTempDir,
  noisePixels,
  removeDir,
  textBytes,
} from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

const CFG = { cropHeight: 1, cropWidth: 1 } as PreprocessConfig;

/** A preparer whose answers the test releases by hand; pixels are [k, k, k] for source "k". */
class ScriptedPreparer implements PixelPreparer {
  readonly pending = new Map<string, (r: PrepareResponse) => void>();
  prepare(source: ImageSource): Promise<PrepareResponse> {
    const k = String(source);
    return new Promise((resolve) => this.pending.set(k, resolve));
  }
  release(k: string, error?: string): void {
    const r = this.pending.get(k);
    assert.ok(r, `no pending ${k}`);
    this.pending.delete(k);
    const v = Number(k);
    r(
      error
        ? { id: 0, code: "image_unreadable", error }
        : { id: 0, pixels: new Float32Array([v, v, v]) },
    );
  }
}

/** An encoder that records each batch (the first pixel of each image) and returns it back. */
class RecordingEncoder {
  readonly preprocess = CFG;
  readonly batches: number[][] = [];
  fail = false;
  async embedPixels(pixels: Float32Array, count: number): Promise<Float32Array[]> {
    const firsts = Array.from({ length: count }, (_, i) => pixels[i * 3]);
    this.batches.push(firsts);
    if (this.fail) throw new Error("encoder broke");
    return firsts.map((v) => new Float32Array([v, -v]));
  }
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("ImageBatcher with a scripted preparer", () => {
  it("packs images from many callers into full batches, in arrival order, results per caller", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 4, waitMs: 1000 });
    const calls = [["1"], ["2", "3"], ["4"], ["5", "6", "7"]].map((srcs) => b.embed(srcs));
    assert.equal(b.depth, 7);
    for (const k of ["1", "2", "3", "4", "5", "6", "7"]) prep.release(k);
    const results = await Promise.all(calls);
    // 7 ready at once: one full batch of 4, then (nothing left decoding) the other 3 at once.
    assert.deepEqual(enc.batches, [
      [1, 2, 3, 4],
      [5, 6, 7],
    ]);
    assert.deepEqual(
      results.map((r) => r.map((x) => x.embedding?.[0])),
      [[1], [2, 3], [4], [5, 6, 7]],
    );
    assert.equal(b.depth, 0);
  });

  it("a partial batch waits waitMs for more images while others are still decoding", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 8, waitMs: 40 });
    const first = b.embed(["1"]);
    const second = b.embed(["2"]);
    prep.release("1");
    await tick(10);
    assert.deepEqual(enc.batches, [], "waits: image 2 is still decoding");
    prep.release("2");
    await Promise.all([first, second]);
    assert.deepEqual(enc.batches, [[1, 2]], "both went into one batch");

    const third = b.embed(["3"]);
    const fourth = b.embed(["4"]);
    prep.release("3");
    await third;
    // Image 4 never came: the batch closed after waitMs with image 3 alone.
    assert.deepEqual(enc.batches.at(-1), [3]);
    prep.release("4");
    await fourth;
  });

  it("waiting while the encoder is busy does not count: the next batch still gets waitMs to fill", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const slow = {
      preprocess: CFG,
      embedPixels: async (px: Float32Array, n: number) => {
        await tick(60);
        return enc.embedPixels(px, n);
      },
    };
    const b = new ImageBatcher(slow, prep, { batchSize: 8, waitMs: 40 });
    const first = b.embed(["1"]);
    prep.release("1"); // nothing else decoding: encoded at once (takes 60 ms)
    await tick(5);
    const second = b.embed(["2"]);
    const third = b.embed(["3"]);
    prep.release("2"); // ready at ~5 ms, while the encoder is busy
    await first;
    await tick(20); // 20 ms after the encoder became free: image 2 is still waiting for company
    assert.deepEqual(enc.batches, [[1]]);
    prep.release("3");
    await Promise.all([second, third]);
    assert.deepEqual(enc.batches, [[1], [2, 3]]);
  });

  it("images that finished decoding while the encoder held the thread join the next batch", async () => {
    // Decoding finishes on timers (macrotasks), as worker answers arrive as messages.
    const delays: Record<string, number> = { "0": 0, "6": 250, "7": 250, "8": 250 };
    const timed: PixelPreparer = {
      prepare: (src) =>
        new Promise((resolve) => {
          const v = Number(src);
          setTimeout(
            () => resolve({ id: 0, pixels: new Float32Array([v, v, v]) }),
            delays[String(src)] ?? 50,
          );
        }),
    };
    const enc = new RecordingEncoder();
    let call = 0;
    const encoder = {
      preprocess: CFG,
      embedPixels: async (px: Float32Array, n: number) => {
        call++;
        if (call === 1) await tick(200);
        if (call === 2) {
          // Holds the thread as onnxruntime's run does; images 6-8 finish meanwhile.
          const until = Date.now() + 400;
          while (Date.now() < until) {
            // busy
          }
        }
        return enc.embedPixels(px, n);
      },
    };
    const b = new ImageBatcher(encoder, timed, { batchSize: 4, waitMs: 0 });
    await Promise.all(["0", "1", "2", "3", "4", "5", "6", "7", "8"].map((k) => b.embed([k])));
    assert.deepEqual(enc.batches, [[0], [1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it("refuses a call whole when the queue is full, and admits again once it drains", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 2, waitMs: 0, maxQueue: 3 });
    const a = b.embed(["1", "2"]);
    await assert.rejects(b.embed(["3", "4"]), QueueFullError);
    assert.equal(b.depth, 2, "nothing of the refused call was admitted");
    assert.equal(prep.pending.size, 2);
    const c = b.embed(["5"]);
    prep.release("1");
    prep.release("2");
    prep.release("5");
    await Promise.all([a, c]);
    assert.equal(b.depth, 0);
    const d = b.embed(["6", "7", "8"]);
    for (const k of ["6", "7", "8"]) prep.release(k);
    assert.equal((await d).length, 3);
  });

  it("a bad image is an error entry; the caller's other images are still embedded", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 4, waitMs: 0 });
    const p = b.embed(["1", "2", "3"]);
    prep.release("2", "not an image");
    prep.release("1");
    prep.release("3");
    const r = await p;
    assert.equal(r[1].error, "not an image");
    assert.equal(r[0].embedding?.[0], 1);
    assert.equal(r[2].embedding?.[0], 3);
    assert.deepEqual(enc.batches.flat().sort(), [1, 3]);
  });

  it("an aborted call is rejected with the signal's reason and its waiting images are not encoded", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 4, waitMs: 50 });
    const ctrl = new AbortController();
    const dead = b.embed(["1", "2"], { signal: ctrl.signal });
    const alive = b.embed(["3"]);
    prep.release("1");
    ctrl.abort(new Error("client went away"));
    await assert.rejects(dead, /client went away/);
    prep.release("2");
    prep.release("3");
    const r = await alive;
    assert.equal(r[0].embedding?.[0], 3);
    assert.deepEqual(enc.batches, [[3]], "images 1 and 2 never reached the encoder");
    assert.equal(b.depth, 0);
  });

  it("an encoder failure fails the calls in that batch (not an image error) and the batcher goes on", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 2, waitMs: 0 });
    enc.fail = true;
    const p = b.embed(["1"]);
    prep.release("1");
    await assert.rejects(p, /encoder broke/);
    enc.fail = false;
    const q = b.embed(["2"]);
    prep.release("2");
    assert.equal((await q)[0].embedding?.[0], 2);
    assert.equal(b.depth, 0);
  });

  it("close() waits for admitted images and then refuses new ones", async () => {
    const prep = new ScriptedPreparer();
    const enc = new RecordingEncoder();
    const b = new ImageBatcher(enc, prep, { batchSize: 2, waitMs: 0 });
    const p = b.embed(["1"]);
    let closed = false;
    const c = b.close().then(() => {
      closed = true;
    });
    await tick(5);
    assert.equal(closed, false);
    prep.release("1");
    await p;
    await c;
    await assert.rejects(b.embed(["2"]), /closed/);
  });
});

describe("ImageBatcher with the real model and worker pool", () => {
  let dir: string;
  let model: ClipModel;
  const files: string[] = [];
  before(async () => {
    dir = await makeTempDir("zeroclip-batcher-");
    for (let i = 0; i < 12; i++) {
      const f = join(dir, `img${i}.png`);
      await writeFile(f, await encodeWithSharp(noisePixels(30 + 7 * i, 40 - i, 3, i + 1), "png"));
      files.push(f);
    }
    await writeFile(join(dir, "bad.png"), textBytes());
    model = await ClipModel.load(await ensureFixtureModel("tiny"), { preprocessWorkers: 2 });
  });
  after(async () => {
    await model?.dispose();
    await removeDir(dir);
  });

  it("single-image calls from many callers give the embeddings of the one-shot path", async () => {
    const inputs = [...files.slice(0, 6), join(dir, "bad.png"), ...files.slice(6)];
    const oneShot = await model.embedImages(inputs, { batchSize: 16 });
    const batches: number[] = [];
    const b = model.imageBatcher({ batchSize: 5, waitMs: 20, onBatch: (n) => batches.push(n) });
    const each = await Promise.all(inputs.map((f) => b.embed([f]).then((r) => r[0])));
    assert.equal(
      batches.reduce((s, n) => s + n, 0),
      files.length,
      "every good image encoded once",
    );
    assert.ok(batches.length < files.length, `batched: ${batches.join(",")}`);
    assert.ok(Math.max(...batches) <= 5);
    each.forEach((r, i) => {
      const ref = oneShot[i];
      if (ref.error !== undefined) {
        assert.equal(r.error, ref.error);
        return;
      }
      assert.ok(r.embedding, `${inputs[i]}: ${r.error}`);
      assert.equal(r.embedding.length, ref.embedding.length);
      for (let j = 0; j < r.embedding.length; j++) {
        assert.ok(Math.abs(r.embedding[j] - ref.embedding[j]) <= 1e-6, `${inputs[i]}[${j}]`);
      }
    });
  });

  it("the same batch composition gives bit-identical embeddings", async () => {
    const oneShot = await model.embedImages(files.slice(0, 4), { batchSize: 4 });
    const b = model.imageBatcher({ batchSize: 4, waitMs: 1000 });
    const r = await b.embed(files.slice(0, 4));
    r.forEach((x, i) => {
      assert.deepEqual(x.embedding, oneShot[i].embedding);
    });
  });
});
