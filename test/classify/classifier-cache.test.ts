/**
 * ClassifierCache: one classifier per (labels, prompts, aggregate), reused, least recently used
 * dropped, failures not kept; its class embeddings equal a directly built classifier's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { ClassifierCache, classifierKey } from "../../src/classify/classifier-cache.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

/** Counts text-encoder calls, so a cache hit is visible as no new call. */
class CountingModel {
  calls = 0;
  constructor(readonly inner: ClipModel) {}
}

describe("ClassifierCache", () => {
  let model: ClipModel;
  let counter: CountingModel;
  before(async () => {
    model = await ClipModel.load(await ensureFixtureModel("tiny"));
    counter = new CountingModel(model);
    const embed = model.embedTexts.bind(model);
    model.embedTexts = (texts, opts) => {
      counter.calls++;
      return embed(texts, opts);
    };
  });
  after(() => model?.dispose());

  it("builds once per spec, and equals a classifier built directly", async () => {
    const cache = new ClassifierCache(model);
    const spec = { labels: ["cat", "dog"], templates: ["a photo of a {}.", "a drawing of a {}."] };
    const before = counter.calls;
    const [a, b] = await Promise.all([cache.get(spec), cache.get({ ...spec })]);
    assert.equal(a, b, "concurrent lookups share one build");
    assert.equal(counter.calls - before, 1);
    assert.equal(await cache.get(spec), a);
    assert.equal(counter.calls - before, 1, "a hit runs no text encoder");
    assert.deepEqual(cache.stats, { hits: 2, misses: 1 });
    const direct = await ZeroShotClassifier.create(model, spec);
    assert.deepEqual(a.classEmbeddings, direct.classEmbeddings);
    assert.deepEqual(a.classTexts, [
      ["a photo of a cat.", "a drawing of a cat."],
      ["a photo of a dog.", "a drawing of a dog."],
    ]);
  });

  it("keys on what decides the embeddings", () => {
    const k = (s: Parameters<typeof classifierKey>[0]) => classifierKey(s);
    const base = { labels: ["a", "b"], descriptions: { a: ["x"], b: ["y"] } };
    assert.equal(k(base), k({ ...base, descriptions: { ...base.descriptions, c: ["z"] } }));
    assert.equal(k({ labels: [" a", "b "] }), k({ labels: ["a", "b"] }));
    assert.notEqual(k(base), k({ ...base, aggregate: "pooled-mean" }));
    assert.notEqual(k({ labels: ["a", "b"] }), k({ labels: ["b", "a"] }));
    assert.notEqual(k(base), k({ ...base, templates: ["{}"] }));
  });

  it("drops the least recently used past maxEntries, and does not keep failures", async () => {
    const cache = new ClassifierCache(model, { maxEntries: 2 });
    const x = await cache.get({ labels: ["x1", "x2"] });
    await cache.get({ labels: ["y1", "y2"] });
    assert.equal(await cache.get({ labels: ["x1", "x2"] }), x, "x touched: now most recent");
    await cache.get({ labels: ["z1", "z2"] });
    assert.equal(cache.size, 2);
    assert.equal(await cache.get({ labels: ["x1", "x2"] }), x, "x survived, y was dropped");
    const misses = cache.stats.misses;
    await cache.get({ labels: ["y1", "y2"] });
    assert.equal(cache.stats.misses, misses + 1, "y was rebuilt");
    await assert.rejects(cache.get({ labels: ["a", "a"] }), /given twice/);
    await assert.rejects(cache.get({ labels: ["a", "a"] }), /given twice/);
    assert.equal(cache.size, 2, "the failed build is not kept");
  });
});
