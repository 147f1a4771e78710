/**
 * POST /v1/classify in its three shapes equals `zeroclip classify` on the same images, labels and
 * prompts (the CLI rounds scores to 6 significant digits; the API sends full precision). Also:
 * texts behind each class, top_k, descriptions, URL inputs and --no-url-inputs.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { makeTempDir, removeDir, textBytes } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import {
  errorOf,
  parse,
  post,
  startFileServer,
  startServer,
  type TestServer,
  tinyModel,
  writeImages,
} from "./helpers.js";

interface Prediction {
  label: string;
  score: number;
}
interface Result {
  predictions?: Prediction[];
  error?: string;
}

const LABELS = ["tree frog", "tabby cat", "golden retriever", "red fox"];

/** API predictions equal the CLI's: same order, scores within the CLI's 6-digit rounding. */
function assertSamePredictions(api: Prediction[], cli: Prediction[], what: string): void {
  assert.deepEqual(
    api.map((p) => p.label),
    cli.map((p) => p.label),
    what,
  );
  api.forEach((p, i) => {
    const tol = Math.max(Math.abs(cli[i].score) * 1e-5, 1e-12);
    assert.ok(
      Math.abs(p.score - cli[i].score) <= tol,
      `${what} ${p.label}: ${p.score} vs ${cli[i].score}`,
    );
  });
}

describe("POST /v1/classify", () => {
  let dir: string;
  let modelDir: string;
  let server: TestServer;
  let images: string[];
  let cache: string;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-classify-");
    cache = join(dir, "cache");
    modelDir = await ensureFixtureModel("tiny");
    images = await writeImages(dir, 5);
    server = await startServer();
  });
  after(async () => {
    await server?.close();
    await removeDir(dir);
  });

  const cliClassify = async (files: string[], args: string[]): Promise<Result[]> => {
    const run = await runCli(
      ["classify", ...files, "--model", modelDir, "--format", "jsonl", ...args],
      { ZEROCLIP_CACHE: cache },
    );
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    return parseJsonl(run.stdout) as Result[];
  };
  const b64 = async (f: string) => (await readFile(f)).toString("base64");
  const url = () => `${server.url}/v1/classify`;

  it("JSON shape equals the CLI, with a bad image as an error entry in its place", async () => {
    const bad = join(dir, "bad.jpg");
    await writeFile(bad, textBytes());
    const files = [images[0], images[1], bad, images[2]];
    const cli = await cliClassify(files, ["-l", LABELS.join(",")]);
    const res = await post(url(), {
      images: await Promise.all(files.map(b64)),
      labels: LABELS,
    });
    assert.equal(res.status, 200, res.text);
    const { results } = res.body as { results: Result[] };
    assert.equal(results.length, 4);
    for (const i of [0, 1, 3])
      assertSamePredictions(results[i].predictions!, cli[i].predictions!, `image ${i}`);
    assert.match(results[2].error!, /not an image/);
    assert.match(cli[2].error!, /not an image/);
  });

  it("templates, aggregate and top_k are applied as the CLI applies them", async () => {
    const templates = ["a photo of a {}.", "a blurry photo of a {}.", "art of the {}."];
    const cli = await cliClassify(images.slice(0, 3), [
      "-l",
      LABELS.join(","),
      ...templates.flatMap((t) => ["-t", t]),
      "--aggregate",
      "pooled-mean",
      "--top-k",
      "2",
    ]);
    const res = await post(url(), {
      images: await Promise.all(images.slice(0, 3).map(b64)),
      labels: LABELS,
      templates,
      aggregate: "pooled-mean",
      top_k: 2,
      include_texts: true,
    });
    assert.equal(res.status, 200, res.text);
    const body = res.body as { results: Result[]; classes: { label: string; texts: string[] }[] };
    body.results.forEach((r, i) => {
      assert.equal(r.predictions!.length, 2);
      assertSamePredictions(r.predictions!, cli[i].predictions!, `image ${i}`);
    });
    assert.deepEqual(
      body.classes,
      LABELS.map((l) => ({ label: l, texts: templates.map((t) => t.replace("{}", l)) })),
    );
  });

  it("explain gives the CLI's --explain texts and cosines", async () => {
    const templates = ["a photo of a {}.", "a blurry photo of a {}.", "art of the {}."];
    const flags = ["-l", LABELS.join(","), ...templates.flatMap((t) => ["-t", t]), "--top-k", "2"];
    const cli = await cliClassify(images.slice(0, 2), [...flags, "--explain", "2"]);
    const res = await post(url(), {
      images: await Promise.all(images.slice(0, 2).map(b64)),
      labels: LABELS,
      templates,
      top_k: 2,
      explain: 2,
    });
    assert.equal(res.status, 200);
    type Explained = { label: string; explanation: { text: string; cosine: number }[] };
    const { results } = res.body as { results: { predictions: Explained[] }[] };
    for (const [i, r] of results.entries()) {
      const want = cli[i].predictions as unknown as Explained[];
      assert.deepEqual(
        r.predictions.map((p) => [p.label, p.explanation.map((e) => e.text)]),
        want.map((p) => [p.label, p.explanation.map((e) => e.text)]),
      );
      for (const [j, p] of r.predictions.entries()) {
        for (const [t, e] of p.explanation.entries()) {
          assert.ok(Math.abs(e.cosine - want[j].explanation[t].cosine) < 1e-5);
        }
      }
    }
  });

  it("descriptions (CuPL) with allow_missing equal the CLI's --descriptions --allow-missing", async () => {
    const descriptions = {
      "tree frog": ["A small green frog clinging to a leaf.", "A frog with sticky toe pads."],
      "tabby cat": ["A cat with a striped coat."],
      "red fox": ["An orange fox with a bushy tail."],
    };
    const file = join(dir, "descriptions.json");
    await writeFile(file, JSON.stringify(descriptions));
    const cli = await cliClassify(images.slice(0, 2), [
      "-l",
      LABELS.join(","),
      "--descriptions",
      file,
      "--allow-missing",
    ]);
    const res = await post(url(), {
      images: await Promise.all(images.slice(0, 2).map(b64)),
      labels: LABELS,
      descriptions,
      allow_missing: true,
      include_texts: true,
    });
    assert.equal(res.status, 200, res.text);
    const body = res.body as { results: Result[]; classes: { label: string; texts: string[] }[] };
    body.results.forEach((r, i) => {
      assertSamePredictions(r.predictions!, cli[i].predictions!, `image ${i}`);
    });
    assert.deepEqual(body.classes[2], {
      label: "golden retriever",
      texts: ["a photo of a golden retriever."],
    });
    const strict = await post(url(), {
      images: [await b64(images[0])],
      labels: LABELS,
      descriptions,
    });
    assert.equal(strict.status, 400);
    assert.match(errorOf(strict).message, /no descriptions for "golden retriever"/);
    // The message names the HTTP field too (it once spoke only of the CLI flag).
    assert.match(errorOf(strict).message, /"allow_missing": true/);
  });

  it("multipart/form-data (image files + labels field) equals the CLI", async () => {
    const cli = await cliClassify(images, ["-l", LABELS.join(",")]);
    const form = new FormData();
    for (const f of images) form.append("image", new Blob([await readFile(f)]), f);
    form.append("labels", LABELS.join(","));
    const res = await parse(await fetch(url(), { method: "POST", body: form }));
    assert.equal(res.status, 200, res.text);
    const { results } = res.body as { results: Result[] };
    results.forEach((r, i) => {
      assertSamePredictions(r.predictions!, cli[i].predictions!, `image ${i}`);
    });

    // Labels as a JSON list (names may hold commas), a string image field, options as fields.
    const form2 = new FormData();
    form2.append("image", await b64(images[0]));
    form2.append("labels", JSON.stringify(["a, b", "c"]));
    form2.append("templates", "a photo of {}.");
    form2.append("top_k", "1");
    form2.append("include_texts", "true");
    const res2 = await parse(await fetch(url(), { method: "POST", body: form2 }));
    assert.equal(res2.status, 200, res2.text);
    const b2 = res2.body as { results: Result[]; classes: { label: string; texts: string[] }[] };
    assert.equal(b2.results[0].predictions!.length, 1);
    assert.deepEqual(b2.classes[0], { label: "a, b", texts: ["a photo of a, b."] });

    const noImage = new FormData();
    noImage.append("labels", "a,b");
    const r3 = await parse(await fetch(url(), { method: "POST", body: noImage }));
    assert.equal(r3.status, 400);
    const badField = new FormData();
    badField.append("image", await b64(images[0]));
    badField.append("labels", "a,b");
    badField.append("top_k", "three");
    const r4 = await parse(await fetch(url(), { method: "POST", body: badField }));
    assert.equal(r4.status, 400);
    assert.match(errorOf(r4).message, /top_k/);
  });

  it("the Hugging Face shape answers [{label, score}] as the CLI with the pipeline's template", async () => {
    const hfTemplate = "This is a photo of {}.";
    const cli = await cliClassify([images[3]], ["-l", LABELS.join(","), "-t", hfTemplate]);
    const res = await post(url(), {
      inputs: await b64(images[3]),
      parameters: { candidate_labels: LABELS },
    });
    assert.equal(res.status, 200, res.text);
    assertSamePredictions(res.body as Prediction[], cli[0].predictions!, "hf default template");

    const custom = "a photograph of a {}";
    const cli2 = await cliClassify([images[3]], ["-l", LABELS.join(","), "-t", custom]);
    const res2 = await post(url(), {
      inputs: `data:image/webp;base64,${await b64(images[3])}`,
      parameters: { candidate_labels: LABELS, hypothesis_template: custom },
    });
    assertSamePredictions(res2.body as Prediction[], cli2[0].predictions!, "hf custom template");
  });

  it("URL inputs are fetched (loopback only with allowPrivateUrls); --no-url-inputs makes each URL an error entry", async () => {
    const files = await startFileServer({ "/a.png": await readFile(images[0]) });
    const lan = await startServer({ allowPrivateUrls: true });
    try {
      const cli = await cliClassify([images[0]], ["-l", LABELS.join(",")]);
      const res = await post(`${lan.url}/v1/classify`, {
        images: [`${files.url}/a.png`, `${files.url}/missing.png`],
        labels: LABELS,
      });
      const { results } = res.body as { results: Result[] };
      assertSamePredictions(results[0].predictions!, cli[0].predictions!, "url");
      assert.match(results[1].error!, /^could not fetch URL \(HTTP 404\)$/);
      // The same loopback URL on a server with the defaults: refused, never fetched.
      const refused = await post(url(), { images: [`${files.url}/a.png`], labels: LABELS });
      assert.match((refused.body as { results: Result[] }).results[0].error!, /^URL refused/);

      const closed = await startServer({ allowUrlInputs: false });
      try {
        const r = await post(`${closed.url}/v1/classify`, {
          images: [`${files.url}/a.png`, await b64(images[0])],
          labels: LABELS,
        });
        const rs = (r.body as { results: Result[] }).results;
        assert.match(rs[0].error!, /URL inputs are turned off/);
        assert.ok(rs[1].predictions);
        const hf = await post(`${closed.url}/v1/classify`, {
          inputs: `${files.url}/a.png`,
          parameters: { candidate_labels: LABELS },
        });
        assert.equal(hf.status, 422);
        assert.equal(errorOf(hf).type, "url_inputs_disabled");
        assert.equal(errorOf(hf).code, "url_inputs_disabled");
      } finally {
        await closed.close();
      }
    } finally {
      await lan.close();
      await files.close();
    }
  });

  it("a source with fixed classes (as an adapter is) makes labels optional", async () => {
    const fixed = await ZeroShotClassifier.create(await tinyModel(), { labels: ["sun", "rain"] });
    const asked: unknown[] = [];
    const own = await startServer({
      classifiers: {
        needsLabels: false,
        fixedLabels: fixed.labels,
        scorer: async (params) => {
          asked.push(params.labels);
          return fixed;
        },
      },
    });
    try {
      const img = await b64(images[0]);
      const cli = await cliClassify([images[0]], ["-l", "sun,rain"]);
      const res = await post(`${own.url}/v1/classify`, { images: [img] });
      assert.equal(res.status, 200, res.text);
      assertSamePredictions(
        (res.body as { results: Result[] }).results[0].predictions!,
        cli[0].predictions!,
        "fixed",
      );
      const hf = await post(`${own.url}/v1/classify`, { inputs: img });
      assert.equal(hf.status, 200, hf.text);
      const cfg = (await (await fetch(`${own.url}/v1/config`)).json()) as Record<string, unknown>;
      assert.equal(cfg.needs_labels, false);
      assert.deepEqual(cfg.fixed_labels, ["sun", "rain"]);
      assert.deepEqual(asked, [undefined, undefined]);
    } finally {
      await own.close();
    }
  });

  it("class embeddings are computed once per (labels, prompts) set", async () => {
    const cache = server.app.zeroclip.classifierCache;
    const labels = ["one", "two", "three"];
    const before = { ...cache.stats };
    const body = { images: [await b64(images[0])], labels };
    const first = await post(url(), body);
    const second = await post(url(), body);
    assert.deepEqual(first.body, second.body);
    assert.equal(cache.stats.misses, before.misses + 1);
    assert.equal(cache.stats.hits, before.hits + 1);
    await post(url(), { ...body, templates: ["{}"] });
    assert.equal(cache.stats.misses, before.misses + 2, "other prompts: another set");
  });
});
