import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyTransductive, transductiveWarnings } from "../../src/classify/transductive.js";
import { transductiveZeroShot } from "../../src/transductive/transclip.js";
import { randomUnitVectors } from "../support/random-vectors.js";

describe("classifyTransductive and its warnings", () => {
  it("warns on small sets and on sets where zero-shot finds few of the labels", () => {
    assert.deepEqual(transductiveWarnings(1000, [0, 1, 2, 3], 4), []);
    assert.match(transductiveWarnings(30, [0, 1, 2], 3)[0], /small set \(30 images for 3 labels\)/);
    assert.match(
      transductiveWarnings(100, [0, 1], 40).join("\n"),
      /small set \(100 images for 40 labels\)/,
    );
    const few = transductiveWarnings(1000, [0, 0, 1, 1, 2], 10);
    assert.equal(few.length, 1);
    assert.match(few[0], /finds only 3 of the 10 labels/);
  });

  it("keeps error records in place, scores sum to 1, top-k cuts", async () => {
    const rows = randomUnitVectors(12, 8, 5);
    const classes = randomUnitVectors(3, 8, 6);
    const inputs = rows.map((e, i) =>
      i === 4
        ? { input: "bad.jpg", code: "image_unreadable" as const, error: "not an image" }
        : { input: `${i}.jpg`, embedding: e },
    );
    const out = await classifyTransductive(["a", "b", "c"], classes, inputs, { topK: 2 });
    assert.equal(out.images, 11);
    assert.deepEqual(out.results[4], {
      input: "bad.jpg",
      code: "image_unreadable",
      error: "not an image",
    });
    for (const [i, r] of out.results.entries()) {
      if (i === 4) continue;
      assert.equal(r.predictions?.length, 2);
      assert.ok(r.predictions![0].score >= r.predictions![1].score);
    }
    const all = await classifyTransductive(["a", "b", "c"], classes, inputs);
    const s = all.results[0].predictions!.reduce((a, p) => a + p.score, 0);
    assert.ok(Math.abs(s - 1) < 1e-12);
    assert.ok(all.warnings.some((w) => /small set/.test(w)));
  });

  it("on onnxruntime (default) equals the plain JavaScript solver and graph", async () => {
    const rows = randomUnitVectors(60, 8, 7);
    const classes = randomUnitVectors(4, 8, 8);
    const inputs = rows.map((e, i) => ({ input: `${i}.jpg`, embedding: e }));
    const labels = ["a", "b", "c", "d"];
    const ort = await classifyTransductive(labels, classes, inputs);
    const js = transductiveZeroShot(rows, classes);
    for (const [i, r] of ort.results.entries()) {
      for (const p of r.predictions ?? []) {
        const want = js.assignments[i * 4 + labels.indexOf(p.label)];
        assert.ok(Math.abs(p.score - want) < 1e-12, `${p.score} vs ${want}`);
      }
    }
  });
});
