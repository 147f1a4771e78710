/**
 * /ready, /metrics, /v1/config and presets, /openapi.json and the API docs page: readiness
 * follows the warm-up; metrics count what was sent (per server, not a global registry); the
 * OpenAPI document covers every route with its schemas; the docs page loads only local assets.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildServer } from "../../src/serve/index.js";
import { readPresetFile } from "../../src/serve/presets.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { sharedPath } from "../support/paths.js";
import { get, post, startServer, type TestServer, tinyModel, writeImages } from "./helpers.js";

function metric(text: string, name: string, labels = ""): number | undefined {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^${esc(name)}${labels ? esc(`{${labels}}`) : ""} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

describe("operations routes", () => {
  let dir: string;
  let images: string[];
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-ops-");
    images = await Promise.all(
      (await writeImages(dir, 3)).map(async (f) => (await readFile(f)).toString("base64")),
    );
    a = await startServer({
      presets: {
        classnames: { pets: ["cat", "dog"] },
        templates: { simple: ["a photo of a {}."] },
      },
    });
    b = await startServer();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await removeDir(dir);
  });

  it("/ready is 503 until the warm-up ran, /health 200 throughout (no port: app.inject)", async () => {
    const app = await buildServer({ model: await tinyModel(), logger: false, diskCache: false });
    try {
      assert.equal((await app.inject({ url: "/health" })).statusCode, 200);
      const before = await app.inject({ url: "/ready" });
      assert.equal(before.statusCode, 503);
      assert.equal(before.json().error.type, "not_ready");
      await app.warmUp();
      assert.deepEqual((await app.inject({ url: "/ready" })).json(), { status: "ready" });
    } finally {
      await app.close();
    }
  });

  it("/metrics counts requests by route and status, batches and images, per server", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await post(`${a.url}/v1/classify`, { images: [images[i]], labels: ["x", "y"] });
      assert.equal(r.status, 200);
    }
    await post(`${a.url}/v1/classify`, { labels: ["x"] });
    await post(`${a.url}/v1/classify`, { images: images.slice(0, 2), labels: ["x", "y"] });
    const res = await fetch(`${a.url}/metrics`);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const ok = 'method="POST",route="/v1/classify",status="200"';
    assert.equal(metric(text, "zeroclip_http_requests_total", ok), 4);
    assert.equal(
      metric(
        text,
        "zeroclip_http_requests_total",
        'method="POST",route="/v1/classify",status="400"',
      ),
      1,
    );
    assert.equal(metric(text, "zeroclip_http_request_duration_seconds_count", ok), 4);
    // 3 single images + one request of 2 (the warm-up runs the encoder directly, uncounted).
    assert.equal(metric(text, "zeroclip_images_embedded_total"), 5);
    assert.equal(metric(text, "zeroclip_image_batch_size_sum"), 5);
    assert.equal(metric(text, "zeroclip_image_queue_depth"), 0);
    assert.ok((metric(text, "zeroclip_images_per_second") ?? 0) > 0);
    assert.equal(metric(text, "zeroclip_classifier_cache_entries"), 1);
    assert.equal(metric(text, "zeroclip_classifier_cache_lookups", 'result="hit"'), 3);
    assert.ok((metric(text, "process_resident_memory_bytes") ?? 0) > 0);
    // The other server's registry saw none of it.
    const other = await (await fetch(`${b.url}/metrics`)).text();
    assert.equal(metric(other, "zeroclip_http_requests_total", ok), undefined);
    assert.equal(metric(other, "zeroclip_images_embedded_total"), 0);
  });

  it("/v1/config tells the page what works; presets are served by name", async () => {
    const cfg = (await get(`${a.url}/v1/config`)).body as Record<string, unknown>;
    assert.equal(cfg.needs_labels, true);
    assert.deepEqual(cfg.features, []);
    assert.equal(cfg.url_inputs, true);
    assert.equal(cfg.default_template, "a photo of a {}.");
    assert.equal(cfg.embedding_dim, (await tinyModel()).config.projectionDim);
    assert.deepEqual(cfg.presets, { classnames: ["pets"], templates: ["simple"] });
    assert.deepEqual((await get(`${a.url}/v1/presets/classnames/pets`)).body, {
      name: "pets",
      items: ["cat", "dog"],
    });
    assert.equal((await get(`${a.url}/v1/presets/classnames/nope`)).status, 404);
    assert.equal((await get(`${a.url}/v1/presets/other/pets`)).status, 400);
  });

  it("readPresetFile: CLIP_benchmark maps, lists, and one name per line", async () => {
    const map = join(dir, "classnames.json");
    await writeFile(map, JSON.stringify({ cifar10: ["airplane", "bird"], pets: ["cat"] }));
    assert.deepEqual(await readPresetFile(map, "classnames file"), {
      cifar10: ["airplane", "bird"],
      pets: ["cat"],
    });
    const list = join(dir, "mine.json");
    await writeFile(list, '["a", "b"]');
    assert.deepEqual(await readPresetFile(list, "x"), { mine: ["a", "b"] });
    const lines = join(dir, "birds.txt");
    await writeFile(lines, "# birds\nrobin\n\nwren\n");
    assert.deepEqual(await readPresetFile(lines, "x"), { birds: ["robin", "wren"] });
    const bad = join(dir, "bad.json");
    await writeFile(bad, '{"a": [1, 2]}');
    await assert.rejects(readPresetFile(bad, "x"), /must be a non-empty list of strings/);
    const classnames = sharedPath("templates", "clip_benchmark_classnames.json");
    if (classnames) {
      const all = await readPresetFile(classnames, "classnames file");
      assert.ok(Object.keys(all).length > 5);
      assert.equal(all.mnist?.length, 10);
    }
    const templates = sharedPath("templates", "clip_benchmark_templates.json");
    if (templates) {
      const all = await readPresetFile(templates, "templates file");
      assert.ok(all.cifar10?.every((t) => t.includes("{c}") || t.includes("{}")));
    }
  });

  it("a feature plugin gets the shared context, is listed in /v1/config, documented and protected", async () => {
    const s = await startServer({
      apiKey: "k-123",
      plugins: [
        {
          feature: "search",
          plugin: async (app, { ctx }) => {
            app.post(
              "/v1/search",
              { schema: { body: { type: "object", properties: { text: { type: "string" } } } } },
              async (request) => {
                const [q] = await ctx.model.embedTexts([(request.body as { text: string }).text]);
                return { results: [], dim: q.length };
              },
            );
          },
        },
      ],
    });
    try {
      const auth = { authorization: "Bearer k-123" };
      const cfg = (await get(`${s.url}/v1/config`, auth)).body as { features: string[] };
      assert.deepEqual(cfg.features, ["search"]);
      assert.equal((await post(`${s.url}/v1/search`, { text: "a dog" })).status, 401);
      const r = await post(`${s.url}/v1/search`, { text: "a dog" }, { headers: auth });
      assert.deepEqual(r.body, { results: [], dim: (await tinyModel()).config.projectionDim });
      const spec = (await get(`${s.url}/openapi.json`)).body as { paths: Record<string, unknown> };
      assert.ok(spec.paths["/v1/search"]);
    } finally {
      await s.close();
    }
  });

  it("/openapi.json documents every route with its schemas", async () => {
    const spec = (await get(`${a.url}/openapi.json`)).body as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    assert.equal(spec.openapi, "3.1.0");
    for (const [path, method] of [
      ["/v1/classify", "post"],
      ["/v1/embeddings", "post"],
      ["/v1/describe", "post"],
      ["/health", "get"],
      ["/ready", "get"],
      ["/metrics", "get"],
      ["/v1/config", "get"],
    ]) {
      assert.ok(spec.paths[path]?.[method], `${method} ${path}`);
    }
    for (const path of ["/v1/classify", "/v1/embeddings", "/v1/describe"]) {
      const schema = spec.paths[path].post.requestBody?.content["application/json"]?.schema;
      assert.ok(schema && typeof schema === "object", `${path} has a request schema`);
    }
    assert.ok(!spec.paths["/"], "the page is not an API route");
  });

  it("the API docs page loads only local assets", async () => {
    const res = await fetch(`${a.url}/docs`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      assert.doesNotMatch(ref, /^(https?:)?\/\//, `no external asset: ${ref}`);
      const abs = new URL(ref, `${a.url}/docs/`).href;
      const asset = await fetch(abs);
      await asset.arrayBuffer(); // read it whole: an unread body keeps the connection busy
      assert.equal(asset.status, 200, abs);
    }
    const init = await (await fetch(`${a.url}/docs/static/swagger-initializer.js`)).text();
    assert.match(init, /validatorUrl: null/);
  });
});
