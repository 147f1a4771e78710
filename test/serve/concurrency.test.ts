/**
 * A burst of 64 concurrent mixed requests, three times over: every good one answered correctly
 * (equal to the one-shot library path), every bad one with its own 4xx, never a 5xx; images of
 * concurrent requests share encoder calls; the queue is empty afterwards.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { decompressionBombPng, makeTempDir, removeDir, textBytes } from "../support/images.js";
import { post, startServer, type TestServer, tinyModel, writeImages } from "./helpers.js";

const LABELS = ["cat", "dog", "frog", "car", "tree"];

interface Expect {
  status: number;
  /** Checks the body of a 200. */
  check?: (body: unknown) => void;
}

describe("64 concurrent mixed requests", () => {
  let dir: string;
  let server: TestServer;
  let images: string[];
  let b64: string[];
  let expected: Map<string, { label: string; score: number }[]>;
  let textRef: Float32Array[];
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-burst-");
    const files = await writeImages(dir, 12);
    images = files;
    b64 = await Promise.all(files.map(async (f) => (await readFile(f)).toString("base64")));
    server = await startServer({ bodyLimit: 1024 * 1024, maxPixels: 2_000_000 });
    // The independent reference: the one-shot library path on the same model.
    const model = await tinyModel();
    const clf = await ZeroShotClassifier.create(model, { labels: LABELS });
    const results = await clf.classify(files);
    expected = new Map(results.map((r, i) => [b64[i], r.predictions!]));
    textRef = await model.embedTexts(["a photo of a cat", "a dog"]);
  });
  after(async () => {
    await server?.close();
    await removeDir(dir);
  });

  function samePredictions(
    got: { label: string; score: number }[],
    want: { label: string; score: number }[],
  ) {
    assert.deepEqual(
      got.map((p) => p.label),
      want.map((p) => p.label),
    );
    got.forEach((p, i) => {
      assert.ok(Math.abs(p.score - want[i].score) <= 1e-6, `${p.score} vs ${want[i].score}`);
    });
  }

  /** Request k of the burst: its body and what it must get back. */
  function request(k: number): {
    path: string;
    body?: unknown;
    raw?: string;
    type?: string;
    expect: Expect;
    /** Images this request sends to the encoder. */
    encoded?: number;
  } {
    const img = (j: number) => b64[(k + j) % b64.length];
    const bad = Buffer.from(textBytes()).toString("base64");
    const bomb = Buffer.from(decompressionBombPng(3000)).toString("base64");
    switch (k % 9) {
      case 0:
      case 1: {
        const imgs = [img(0), img(1), img(2)].slice(0, 1 + (k % 3));
        return {
          path: "/v1/classify",
          body: { images: imgs, labels: LABELS },
          encoded: imgs.length,
          expect: {
            status: 200,
            check: (b) => {
              const rs = (b as { results: { predictions: { label: string; score: number }[] }[] })
                .results;
              assert.equal(rs.length, imgs.length);
              rs.forEach((r, i) => {
                samePredictions(r.predictions, expected.get(imgs[i])!);
              });
            },
          },
        };
      }
      case 2:
        return {
          path: "/v1/classify",
          body: { images: [bad, img(0), bomb], labels: LABELS },
          encoded: 1,
          expect: {
            status: 200,
            check: (b) => {
              const rs = (
                b as {
                  results: { predictions?: { label: string; score: number }[]; error?: string }[];
                }
              ).results;
              assert.match(rs[0].error!, /not an image/);
              samePredictions(rs[1].predictions!, expected.get(img(0))!);
              assert.match(rs[2].error!, /pixels, above the/);
            },
          },
        };
      case 3:
        return {
          path: "/v1/classify",
          body: {
            inputs: img(0),
            parameters: { candidate_labels: LABELS, hypothesis_template: "a photo of a {}." },
          },
          encoded: 1,
          expect: { status: 200, check: (b) => samePredictions(b as never, expected.get(img(0))!) },
        };
      case 4:
        return { path: "/v1/classify", raw: '{"images": ["x"', expect: { status: 400 } };
      case 5:
        return { path: "/v1/classify", body: { images: [img(0)] }, expect: { status: 400 } };
      case 6:
        return k % 2 === 0
          ? { path: "/v1/classify", raw: "hello", type: "text/plain", expect: { status: 415 } }
          : {
              path: "/v1/classify",
              body: { images: ["A".repeat(1100 * 1024)], labels: LABELS },
              expect: { status: 413 },
            };
      case 7:
        return {
          path: "/v1/classify",
          body: { inputs: bomb, parameters: { candidate_labels: LABELS } },
          expect: { status: 422 },
        };
      default:
        return {
          path: "/v1/embeddings",
          body: { input: ["a photo of a cat", "a dog"], encoding_format: "float" },
          expect: {
            status: 200,
            check: (b) => {
              const d = (b as { data: { embedding: number[] }[] }).data;
              d.forEach((e, i) => {
                assert.deepEqual(e.embedding, Array.from(textRef[i]));
              });
            },
          },
        };
    }
  }

  it("answers every request correctly, three bursts in a row, with no 5xx", async () => {
    let images = 0;
    const batchesBefore = await batchCount();
    for (let round = 0; round < 3; round++) {
      const reqs = Array.from({ length: 64 }, (_, k) => request(k + round * 64));
      const answers = await Promise.all(
        reqs.map((r) =>
          post(`${server.url}${r.path}`, r.body, {
            raw: r.raw,
            headers: r.type ? { "content-type": r.type } : {},
          }),
        ),
      );
      answers.forEach((a, k) => {
        assert.ok(a.status < 500, `request ${k}: ${a.status} ${a.text.slice(0, 200)}`);
        assert.equal(a.status, reqs[k].expect.status, `request ${k}: ${a.text.slice(0, 200)}`);
        if (a.status === 200) reqs[k].expect.check?.(a.body);
      });
      for (const r of reqs) images += r.encoded ?? 0;
    }
    assert.equal(server.app.zeroclip.batcher.depth, 0, "the queue drained");
    const batches = (await batchCount()) - batchesBefore;
    assert.ok(batches < images, `${images} images in ${batches} encoder calls: shared batches`);
  });

  async function batchCount(): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^zeroclip_image_batch_size_count (\d+)/m.exec(text)?.[1] ?? 0);
  }

  it("images given as files equal the same images given as base64", async () => {
    const res = await post(`${server.url}/v1/classify`, { images: [b64[0]], labels: LABELS });
    const form = new FormData();
    form.append("image", new Blob([await readFile(images[0])]), "a.png");
    form.append("labels", LABELS.join(","));
    const viaForm = await fetch(`${server.url}/v1/classify`, { method: "POST", body: form });
    assert.deepEqual(await viaForm.json(), res.body);
  });
});
