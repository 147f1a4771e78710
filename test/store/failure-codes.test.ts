/**
 * Failed inputs carry their stable code through the library's store paths: an index run's
 * report, a search query, and classifying from the store (where a failure read back is
 * the code the index run gave it, kept in the store with its message, and an input it lacks
 * `not_indexed`).
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { searchStore } from "../../src/app/search.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { classifyStored } from "../../src/store/classify.js";
import { indexImages } from "../../src/store/indexer.js";
import { openStore } from "../../src/store/open.js";
import type { VectorStore } from "../../src/store/types.js";
import {
  encodeWithSharp,
  makeTempDir,
  noisePixels,
  removeDir,
  textBytes,
} from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("failure codes in the store's library paths", () => {
  let dir: string;
  let model: ClipModel;
  let store: VectorStore;
  let good: string;
  let text: string;
  let missing: string;

  before(async () => {
    dir = await makeTempDir("zeroclip-failure-codes-");
    model = await ClipModel.load(await ensureFixtureModel("tiny"), { preprocessWorkers: 1 });
    good = join(dir, "good.png");
    text = join(dir, "notes.png");
    missing = join(dir, "missing.png");
    await writeFile(good, await encodeWithSharp(noisePixels(32, 32, 3, 7), "png"));
    await writeFile(text, textBytes());
    store = await openStore(join(dir, "s.zcstore"));
  });
  after(async () => {
    await store?.close();
    await model?.dispose();
    await removeDir(dir);
  });

  it("an index run reports each failure with its code", async () => {
    const report = await indexImages(model, store, [good, text, missing]);
    assert.equal(report.added, 1);
    // In input order, though the missing file fails on reading and the text only on decoding.
    assert.deepEqual(
      report.failures.map((f) => f.input),
      [text, missing],
    );
    const byInput = new Map(report.failures.map((f) => [f.input, f]));
    assert.equal(byInput.get(text)?.code, "image_unreadable");
    assert.match(byInput.get(text)?.error ?? "", /not an image/);
    assert.equal(byInput.get(missing)?.code, "file_not_found");
  });

  it("a search query that cannot be read is a coded record; the others are answered", async () => {
    const [bad, ok] = await searchStore(model, store, [{ image: missing }, { text: "noise" }]);
    assert.deepEqual([bad.query, bad.code], [missing, "file_not_found"]);
    assert.match(bad.error ?? "", /no such file/);
    assert.equal(ok.results?.length, 1);
  });

  it("classifying from the store: a recorded failure keeps its code, not_indexed for the rest", async () => {
    const predictor = { predict: () => [{ label: "x", score: 1 }] };
    const results = await classifyStored(predictor, store, {
      inputs: [good, text, join(dir, "elsewhere.png")],
    });
    assert.deepEqual(
      results.map((r) => r.code),
      [undefined, "image_unreadable", "not_indexed"],
    );
    assert.match(results[1].error ?? "", /not an image/);
  });
});
