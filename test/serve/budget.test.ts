/**
 * Issue 23, finding 1 (and 6's unbounded text length): a request's work budget is checked
 * before any encoding (413 `limit_exceeded` naming the limit), and a request that times out or
 * whose client leaves stops its text encoding between batches, with /health answering all along.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { ClipModel } from "../../src/model/clip-model.js";
import { makeTempDir, removeDir } from "../support/images.js";
import {
  errorOf,
  type JsonResponse,
  parse,
  post,
  startServer,
  type TestServer,
  tinyModel,
  writeImages,
} from "./helpers.js";

function assertLimit(r: JsonResponse, limit: string): void {
  assert.equal(r.status, 413, r.text);
  const e = errorOf(r);
  assert.equal(e.type, "limit_exceeded");
  assert.equal((r.body as { error: { limit?: string } }).error.limit, limit, e.message);
  assert.match(e.message, new RegExp(`--${limit}`));
}

/** The model, with every text-encoder batch it finishes counted. */
function countingModel(model: ClipModel, done: number[]): ClipModel {
  const spy = Object.create(model) as ClipModel;
  spy.embedTexts = (texts, opts = {}) =>
    model.embedTexts(texts, {
      ...opts,
      onProgress: (d, n) => {
        done.push(d);
        opts.onProgress?.(d, n);
      },
    });
  return spy;
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

describe("the per-request work budget", () => {
  let dir: string;
  let b64: string[];
  let small: TestServer;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-budget-");
    b64 = await Promise.all(
      (await writeImages(dir, 2)).map(async (f) => (await readFile(f)).toString("base64")),
    );
    small = await startServer({
      limits: {
        maxLabels: 10,
        maxTemplates: 5,
        maxDescriptionsPerLabel: 3,
        maxPromptTexts: 50,
        maxTextLength: 40,
        maxRequestPixels: 1500,
      },
    });
  });
  after(async () => {
    await small?.close();
    await removeDir(dir);
  });
  const classify = () => `${small.url}/v1/classify`;

  it("the probe's 46 KB request (2,000 labels × 3,000 templates) is refused at once", async () => {
    const server = await startServer();
    try {
      const t = Date.now();
      const r = await post(`${server.url}/v1/classify`, {
        images: [b64[0]],
        labels: range(2000, (i) => `l${i}`),
        templates: range(3000, (i) => `{} ${i}`),
      });
      assertLimit(r, "max-templates");
      assert.ok(Date.now() - t < 2000, `answered in ${Date.now() - t} ms`);
      // Within the template cap, labels × templates over 20,000 is still refused.
      const r2 = await post(`${server.url}/v1/classify`, {
        images: [b64[0]],
        labels: range(2000, (i) => `l${i}`),
        templates: range(100, (i) => `{} ${i}`),
      });
      assertLimit(r2, "max-prompt-texts");
      assert.equal(server.app.zeroclip.classifierCache.size, 0, "nothing was built");
    } finally {
      await server.close();
    }
  });

  it("each limit answers 413 naming it; a request within every limit answers 200", async () => {
    const labels = range(10, (i) => `class ${i}`);
    const templates = range(5, (i) => `{} number ${i}`);
    const ok = await post(classify(), { images: [b64[0]], labels, templates });
    assert.equal(ok.status, 200, ok.text);
    // The page and clients can read the limits.
    const cfg = (await (await fetch(`${small.url}/v1/config`)).json()) as {
      limits: Record<string, number>;
    };
    assert.deepEqual(
      [cfg.limits.labels, cfg.limits.templates, cfg.limits.prompt_texts, cfg.limits.text_length],
      [10, 5, 50, 40],
    );
    assertLimit(
      await post(classify(), { images: [b64[0]], labels: [...labels, "x"], templates }),
      "max-labels",
    );
    assertLimit(
      await post(classify(), { images: [b64[0]], labels, templates: [...templates, "{}!"] }),
      "max-templates",
    );
    assertLimit(
      await post(classify(), { images: [b64[0]], labels: ["y".repeat(41)] }),
      "max-text-length",
    );
    assertLimit(
      await post(classify(), {
        images: [b64[0]],
        labels,
        descriptions: { "class 0": ["a", "b", "c", "d"] },
      }),
      "max-descriptions",
    );
    // 10 labels × 5 templates + 3 descriptions = 53 texts, over 50.
    assertLimit(
      await post(classify(), {
        images: [b64[0]],
        labels,
        templates,
        descriptions: { "class 0": ["a", "b", "c"] },
      }),
      "max-prompt-texts",
    );
    // The Hugging Face shape and multipart fields have the same limits.
    assertLimit(
      await post(classify(), {
        inputs: b64[0],
        parameters: { candidate_labels: labels, hypothesis_template: "t".repeat(41) },
      }),
      "max-text-length",
    );
    const form = new FormData();
    form.append("image", new Blob([Buffer.from(b64[0], "base64")]), "a.png");
    form.append("labels", JSON.stringify(range(11, (i) => `m${i}`)));
    assertLimit(await parse(await fetch(classify(), { method: "POST", body: form })), "max-labels");
  });

  it("texts for embeddings are capped in length; images in number and in pixels together", async () => {
    const url = `${small.url}/v1/embeddings`;
    assertLimit(await post(url, { input: ["short", "z".repeat(41)] }), "max-text-length");
    assert.equal((await post(url, { input: ["short", "z".repeat(40)] })).status, 200);
    assertLimit(
      await post(url, { input: range(65, () => b64[0]), modality: "image" }),
      "max-images",
    );
    // The test images are 24×40 and 29×39 (960 and 1,131 pixels): together over 1,500.
    const r = await post(classify(), { images: [b64[0], b64[1]], labels: ["a", "b"] });
    assert.equal(r.status, 200, r.text);
    const results = (r.body as { results: { error?: string }[] }).results;
    const refused = results.filter((x) => /per-request pixel limit/.test(x.error ?? ""));
    assert.equal(refused.length, 1, r.text);
  });

  it("a request that times out, or whose client leaves, stops encoding; /health stays quick", async () => {
    const done: number[] = [];
    const model = countingModel(await tinyModel(), done);
    const server = await startServer({
      model,
      requestTimeoutMs: 400,
      limits: { maxLabels: 2000, maxPromptTexts: 60_000 },
    });
    const slowest = { ms: 0 };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = Date.now();
        const h = await fetch(`${server.url}/health`);
        assert.equal(h.status, 200);
        slowest.ms = Math.max(slowest.ms, Date.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      // 1,500 × 40 = 60,000 distinct prompts: over a second of encoding on the tiny model.
      const body = {
        images: [b64[0]],
        labels: range(1500, (i) => `c${i}`),
        templates: range(40, (i) => `t${i} {}`),
      };
      const r = await post(`${server.url}/v1/classify`, body);
      assert.equal(r.status, 504, r.text);
      const atAnswer = done.length;
      assert.ok(atAnswer > 0, "the encoding had started");
      await new Promise((res) => setTimeout(res, 400));
      assert.ok(done.length <= atAnswer + 1, `encoding went on: ${atAnswer} → ${done.length}`);
      assert.ok((done.at(-1) ?? 0) < 60_000, "the build did not finish");
      assert.equal(server.app.zeroclip.classifierCache.size, 0, "the cancelled build is not kept");

      // A client that leaves after 150 ms: the same.
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      await assert.rejects(post(`${server.url}/v1/classify`, body, { signal: controller.signal }));
      await new Promise((res) => setTimeout(res, 100));
      const afterLeave = done.length;
      await new Promise((res) => setTimeout(res, 400));
      assert.ok(done.length <= afterLeave + 1, `encoding went on: ${afterLeave} → ${done.length}`);
    } finally {
      polling = false;
      await poller;
      await server.close();
    }
    assert.ok(slowest.ms < 500, `/health took up to ${slowest.ms} ms`);
  });
});
