/**
 * Every error status the server promises, each as `{"error": {"message", "type", "code"}}` and never
 * with a stack trace: 400 (malformed JSON, missing or wrong fields), 401 is in auth.test.ts,
 * 404, 413 (JSON and multipart), 415, 422 (pixel cap and bad image in single-image shapes),
 * 500 (a bug: details in the log only), 501, 503 + Retry-After (full queue), 504 (timeout).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { decompressionBombPng, makeTempDir, removeDir } from "../support/images.js";
import {
  errorOf,
  get,
  type JsonResponse,
  parse,
  post,
  startFileServer,
  startServer,
  type TestServer,
  writeImages,
} from "./helpers.js";

/** `code` defaults to `type`: the server's own refusals use one name for both. */
function assertError(
  r: JsonResponse,
  status: number,
  type: string,
  message?: RegExp,
  code = type,
): void {
  assert.equal(r.status, status, r.text);
  const e = errorOf(r);
  assert.equal(e.type, type, e.message);
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message, message);
  assert.doesNotMatch(r.text, /\n\s+at |\.js:\d+/, "no stack trace");
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
}

describe("error statuses", () => {
  let dir: string;
  let server: TestServer;
  let good: string;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-errors-");
    const [file] = await writeImages(dir, 1);
    good = (await readFile(file)).toString("base64");
    server = await startServer({ bodyLimit: 256 * 1024, maxPixels: 1_000_000 });
  });
  after(async () => {
    await server?.close();
    await removeDir(dir);
  });
  const classify = () => `${server.url}/v1/classify`;

  it("400: malformed JSON, an empty body, a missing or mistyped field, an unknown field", async () => {
    assertError(await post(classify(), null, { raw: '{"images": [' }), 400, "invalid_json");
    assertError(await post(classify(), null, { raw: "" }), 400, "invalid_json");
    assertError(await post(classify(), { images: [good] }), 400, "invalid_request", /labels/);
    assertError(await post(classify(), { labels: ["a"] }), 400, "invalid_request", /images/);
    assertError(
      await post(classify(), { images: [good], labels: ["a"], top_k: "3" }),
      400,
      "invalid_request",
      /top_k must be integer/,
    );
    assertError(
      await post(classify(), { images: [good], labels: ["a"], label: "x" }),
      400,
      "invalid_request",
      /additional properties/,
    );
    assertError(await post(classify(), { images: [], labels: ["a"] }), 400, "invalid_request");
    assertError(
      await post(classify(), { inputs: good, parameters: { candidate_labels: "a,b" } }),
      400,
      "invalid_request",
      /candidate_labels must be array/,
    );
    const noBody = await parse(await fetch(classify(), { method: "POST" }));
    assertError(noBody, 400, "invalid_request", /JSON body is required/);
  });

  it("404 for an unknown route, 501 for describe without an LLM", async () => {
    assertError(await get(`${server.url}/v2/nothing`), 404, "not_found");
    assertError(
      await post(`${server.url}/v1/describe`, { labels: ["a"] }),
      501,
      "not_configured",
      /--llm-model/,
    );
  });

  it("413: a JSON body over the cap, an uploaded file over the cap", async () => {
    const big = "A".repeat(300 * 1024);
    assertError(await post(classify(), { images: [big], labels: ["a"] }), 413, "payload_too_large");
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(300 * 1024)]), "big.png");
    form.append("labels", "a,b");
    assertError(
      await parse(await fetch(classify(), { method: "POST", body: form })),
      413,
      "payload_too_large",
    );
    // Many parts that are each small but together over the cap.
    const many = new FormData();
    for (let i = 0; i < 3; i++)
      many.append("image", new Blob([new Uint8Array(100 * 1024)]), `p${i}.png`);
    many.append("labels", "a,b");
    assertError(
      await parse(await fetch(classify(), { method: "POST", body: many })),
      413,
      "payload_too_large",
    );
    // The server is still fine afterwards.
    assert.equal((await post(classify(), { images: [good], labels: ["a", "b"] })).status, 200);
  });

  it("415: a content type the route does not take", async () => {
    for (const type of ["text/plain", "application/xml", "image/png"]) {
      assertError(
        await post(classify(), null, { raw: "x", headers: { "content-type": type } }),
        415,
        "unsupported_media_type",
      );
    }
    const form = new FormData();
    form.append("input", "x");
    assertError(
      await parse(await fetch(`${server.url}/v1/embeddings`, { method: "POST", body: form })),
      415,
      "unsupported_media_type",
    );
  });

  it("422: over the pixel cap or not an image, in single-image shapes; an error entry in lists", async () => {
    const bomb = Buffer.from(decompressionBombPng()).toString("base64");
    assertError(
      await post(classify(), { inputs: bomb, parameters: { candidate_labels: ["a", "b"] } }),
      422,
      "image_too_large",
      /pixels, above the 1000000 limit/,
      "image_too_large",
    );
    assertError(
      await post(`${server.url}/v1/embeddings`, { input: bomb, modality: "image" }),
      422,
      "image_too_large",
      undefined,
      "image_too_large",
    );
    assertError(
      await post(classify(), {
        inputs: "bm90IGFuIGltYWdl",
        parameters: { candidate_labels: ["a"] },
      }),
      422,
      "invalid_image",
      /not an image/,
      "image_unreadable",
    );
    // Not base64 at all: refused before decoding, with its own code.
    assertError(
      await post(classify(), { inputs: "%%%", parameters: { candidate_labels: ["a"] } }),
      422,
      "invalid_image",
      /not an http\(s\) URL, a data: URI or base64/,
      "image_data_invalid",
    );
    // A list answers 200 with its entries even when every image is bad: the shape decides.
    const allBad = await post(classify(), {
      images: [bomb, "bm90IGFuIGltYWdl"],
      labels: ["a", "b"],
    });
    assert.equal(allBad.status, 200, allBad.text);
    assert.deepEqual(
      (allBad.body as { results: { error?: string; code?: string }[] }).results.map((r) => [
        typeof r.error,
        r.code,
      ]),
      [
        ["string", "image_too_large"],
        ["string", "image_unreadable"],
      ],
    );
    const list = await post(classify(), { images: [bomb, good], labels: ["a", "b"] });
    assert.equal(list.status, 200);
    const results = (list.body as { results: { error?: string; predictions?: unknown[] }[] })
      .results;
    assert.match(results[0].error!, /pixels, above the/);
    assert.equal(results[1].predictions!.length, 2);
  });

  it("500: a bug answers a generic message; its stack goes to the log only", async () => {
    const broken = await startServer({
      classifiers: {
        needsLabels: true,
        scorer: async () => {
          throw new TypeError("secret internals exploded");
        },
      },
    });
    try {
      const r = await post(`${broken.url}/v1/classify`, { images: [good], labels: ["a"] });
      assertError(r, 500, "internal_error", /server log/);
      assert.doesNotMatch(r.text, /secret internals/);
      assert.ok(
        broken.logs.some((l) => l.includes("secret internals exploded") && l.includes('"stack"')),
      );
    } finally {
      await broken.close();
    }
  });

  it("503 with Retry-After when the image queue is full; the queue then drains", async () => {
    const slow = await startFileServer({ "/slow.png": Buffer.from(good, "base64") }, () => 400);
    const small = await startServer({ maxQueue: 2, allowPrivateUrls: true });
    try {
      const url = `${small.url}/v1/classify`;
      assertError(
        await post(url, { images: [good, good, good], labels: ["a", "b"] }),
        503,
        "overloaded",
        /queue is full/,
      );
      const pending = post(url, {
        images: [`${slow.url}/slow.png`, `${slow.url}/slow.png`],
        labels: ["a", "b"],
      });
      await new Promise((r) => setTimeout(r, 100));
      const refused = await post(url, { images: [good], labels: ["a", "b"] });
      assertError(refused, 503, "overloaded", /queue is full/, "overloaded");
      assert.equal(refused.headers.get("retry-after"), "1");
      assert.equal((await pending).status, 200);
      assert.equal((await post(url, { images: [good], labels: ["a", "b"] })).status, 200);
      assert.equal(small.app.zeroclip.batcher.depth, 0);
    } finally {
      await small.close();
      await slow.close();
    }
  });

  it("504 when a request outlives the per-request timeout; its images leave the queue", async () => {
    const slow = await startFileServer({ "/slow.png": Buffer.from(good, "base64") }, () => 1500);
    const quick = await startServer({ requestTimeoutMs: 300, allowPrivateUrls: true });
    try {
      const t = Date.now();
      const r = await post(`${quick.url}/v1/classify`, {
        images: [`${slow.url}/slow.png`],
        labels: ["a", "b"],
      });
      assertError(r, 504, "timeout", /longer than 0.3 s/);
      assert.ok(Date.now() - t < 1400, "answered at the deadline, not when the download ended");
      // The download times out on its own (the URL timeout is capped by the request timeout).
      for (let i = 0; i < 50 && quick.app.zeroclip.batcher.depth > 0; i++) {
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(quick.app.zeroclip.batcher.depth, 0);
    } finally {
      await quick.close();
      await slow.close();
    }
  });
});
