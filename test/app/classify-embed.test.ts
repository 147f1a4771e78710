/**
 * One classify, one embed and one describe for the CLI and the server (src/app/). The CLI calls
 * `classify` / `embed` / `describeLabels` (flags → request → call → print); the routes call the same
 * modules' steps with the server's batcher and LLM. The same request through both gives the
 * same numbers here, in full precision (the CLI's own output rounds to 6 digits).
 *
 * The drift these would have caught: an explanation asked of an adapter's classes was an error
 * on the CLI and silently dropped by the server (now left out by both, with a warning). The
 * image test pins that the server's image settings (`ctx.image`, resolved once) are what its
 * batcher decodes with, as the library's are. The CLI embedded texts in batches of
 * `--batch-size` while the server used the text encoder's own 64; that gave equal vectors on
 * this model, and both now use the encoder's batch.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { AdapterFile } from "../../src/adapt/adapter-file.js";
import { writeAdapterFile } from "../../src/adapt/adapter-file.js";
import { FewShotClassifier } from "../../src/adapt/classifier.js";
import { classify } from "../../src/app/classify.js";
import { describeLabels } from "../../src/app/describe.js";
import { embed } from "../../src/app/embed.js";
import type { ModelRequest } from "../../src/app/model.js";
import type { ClassifyResult, Prediction } from "../../src/classify/classifier.js";
import { cosine } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { adapterSource } from "../../src/serve/adapter-source.js";
import { buildServer } from "../../src/serve/index.js";
import { writeImages } from "../serve/helpers.js";
import { exifOrientedJpeg, makeTempDir, removeDir } from "../support/images.js";
import { startLlmServer } from "../support/llm-server.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

const LABELS = ["tree frog", "tabby cat", "red fox"];
const TEMPLATES = ["a photo of a {}.", "a drawing of a {}."];
/** Two separately loaded sessions may batch differently: float32 rounding, nothing more. */
const TOL = 1e-6;

function assertSamePredictions(got: Prediction[], want: Prediction[], what: string): void {
  assert.deepEqual(
    got.map((p) => p.label),
    want.map((p) => p.label),
    what,
  );
  for (const [i, p] of got.entries()) {
    assert.ok(Math.abs(p.score - want[i].score) < TOL, `${what}: ${p.score} vs ${want[i].score}`);
    for (const [j, e] of (p.explanation ?? []).entries()) {
      const w = want[i].explanation?.[j];
      assert.equal(e.text, w?.text, what);
      assert.ok(Math.abs(e.cosine - (w?.cosine ?? Number.NaN)) < TOL, what);
    }
    assert.equal(p.explanation?.length, want[i].explanation?.length, what);
  }
}

describe("the use cases are the CLI's and the server's", () => {
  let dir: string;
  let modelDir: string;
  let model: ClipModel;
  let app: FastifyInstance;
  let images: string[];
  const b64 = async (f: string) => (await readFile(f)).toString("base64");
  /** What every library call here shares (the CLI builds the same from its flags). */
  let request: { model: ModelRequest; cache: false };

  before(async () => {
    dir = await makeTempDir("zeroclip-app-classify-");
    modelDir = await ensureFixtureModel("tiny");
    request = { model: { name: modelDir, preprocessWorkers: 1 }, cache: false };
    model = await ClipModel.load(modelDir, { preprocessWorkers: 1 });
    images = await writeImages(dir, 3);
    app = await buildServer({ model, diskCache: false, logger: false });
  });
  after(async () => {
    await app?.close();
    await model?.dispose();
    await removeDir(dir);
  });

  it("classify with templates, top-k and explanations: the same predictions", async () => {
    const lib = await classify({
      ...request,
      inputs: images,
      labels: LABELS,
      templates: TEMPLATES,
      topK: 2,
      explain: 2,
    });
    assert.equal(lib.failed, 0);
    const res = await app.inject({
      method: "POST",
      url: "/v1/classify",
      payload: {
        images: await Promise.all(images.map(b64)),
        labels: LABELS,
        templates: TEMPLATES,
        top_k: 2,
        explain: 2,
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const api = res.json() as { results: { predictions: Prediction[] }[] };
    assert.equal(api.results.length, images.length);
    for (const [i, r] of api.results.entries()) {
      const want = lib.results[i] as Extract<ClassifyResult, { predictions: Prediction[] }>;
      assert.equal(want.predictions.length, 2);
      assert.equal(want.predictions[0].explanation?.length, 2);
      assertSamePredictions(r.predictions, want.predictions, `image ${i}`);
    }
  });

  it("the Hugging Face shape equals the library with that template", async () => {
    const lib = await classify({
      ...request,
      inputs: [images[1]],
      labels: LABELS,
      templates: ["This is a photo of {}."],
    });
    const res = await app.inject({
      method: "POST",
      url: "/v1/classify",
      payload: {
        inputs: await b64(images[1]),
        parameters: { candidate_labels: LABELS, hypothesis_template: "This is a photo of {}." },
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    assertSamePredictions(res.json() as Prediction[], lib.results[0].predictions ?? [], "hf");
  });

  /** A Tip-Adapter made by hand: the three images as keys of the three labels' templates. */
  async function handAdapter(info: Record<string, string>): Promise<AdapterFile> {
    const texts = await model.embedTexts(LABELS.map((l) => `a photo of a ${l}.`));
    const keys = (await model.embedImages(images)).map((r) => r.embedding!);
    return {
      adapter: {
        method: "tip-adapter",
        classes: LABELS,
        classEmbeddings: texts,
        logitScale: 100,
        alpha: 1,
        beta: 5.5,
        keys,
        labels: [0, 1, 2],
      },
      info,
    };
  }

  it("an adapter: same predictions, with and without explain", async () => {
    const file = await handAdapter({});
    const path = join(dir, "hand.safetensors");
    await writeAdapterFile(path, file);
    const fewShot = await FewShotClassifier.fromAdapter(model, file);
    const server = await buildServer({
      model,
      diskCache: false,
      logger: false,
      classifiers: adapterSource(fewShot),
    });
    try {
      const lib = await classify({ ...request, inputs: images, adapter: path });
      const res = await server.inject({
        method: "POST",
        url: "/v1/classify",
        payload: { images: await Promise.all(images.map(b64)) },
      });
      assert.equal(res.statusCode, 200, res.body);
      const api = res.json() as { results: { predictions: Prediction[] }[] };
      for (const [i, r] of api.results.entries()) {
        assert.equal(r.predictions.length, LABELS.length);
        assertSamePredictions(r.predictions, lib.results[i].predictions ?? [], `adapter ${i}`);
      }
      // Explanations need class texts: both leave them out (the server once did, the CLI
      // stopped with an error), and the library says why.
      const warnings: string[] = [];
      const libExplained = await classify(
        { ...request, inputs: [images[0]], adapter: path, explain: 2 },
        { onWarning: (m) => warnings.push(m) },
      );
      assert.match(warnings.join("\n"), /explanations need the class texts/);
      const explained = await server.inject({
        method: "POST",
        url: "/v1/classify",
        payload: { images: [await b64(images[0])], explain: 2 },
      });
      assert.equal(explained.statusCode, 200, explained.body);
      const got = (explained.json() as { results: { predictions: Prediction[] }[] }).results[0];
      const want = libExplained.results[0].predictions ?? [];
      assert.ok(want.every((p) => p.explanation === undefined));
      assertSamePredictions(got.predictions, want, "adapter with explain");
    } finally {
      await server.close();
    }
  });

  it("an adapter's recorded EXIF setting is the default for the images classified with it", async () => {
    // The drift: `adapt --no-exif-orientation` made the support embeddings with EXIF ignored,
    // and `classify --adapter` decoded the queries with it applied.
    const rotated = join(dir, "adapter-rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
    const off = join(dir, "exif-off.safetensors");
    await writeAdapterFile(off, await handAdapter({ exif_orientation: "false" }));
    const scores = async (req: Parameters<typeof classify>[0]) =>
      (await classify(req)).results[0].predictions?.map((p) => [p.label, p.score]);
    const base = { ...request, inputs: [rotated], adapter: off };
    const byDefault = await scores(base);
    const ignored = await scores({ ...base, image: { exifOrientation: false } });
    const applied = await scores({ ...base, image: { exifOrientation: true } });
    assert.deepEqual(byDefault, ignored);
    assert.notDeepEqual(applied, ignored, "control: the two settings classify differently");
    // A contrary setting given is kept, with a warning.
    const warnings: string[] = [];
    await classify(
      { ...base, image: { exifOrientation: true } },
      { onWarning: (m) => warnings.push(m) },
    );
    assert.match(warnings.join("\n"), /support images were decoded with EXIF orientation ignored/);
  });

  it("embed texts: the same vectors and token counts", async () => {
    // More texts than one --batch-size batch (16): batchSize is for images only.
    const texts = Array.from({ length: 20 }, (_, i) => `a photo number ${i} of ${"x".repeat(i)}`);
    const lib = await embed({ ...request, texts, batchSize: 16 });
    const res = await app.inject({
      method: "POST",
      url: "/v1/embeddings",
      payload: { input: texts },
    });
    assert.equal(res.statusCode, 200, res.body);
    const api = res.json() as {
      data: { embedding: number[] }[];
      usage: { prompt_tokens: number };
    };
    assert.equal(api.usage.prompt_tokens, lib.promptTokens);
    assert.ok(lib.promptTokens > 2 * texts.length, `${lib.promptTokens} tokens`);
    for (const [i, d] of api.data.entries()) {
      const want = lib.results[i].embedding!;
      assert.equal(d.embedding.length, want.length);
      for (const [j, v] of d.embedding.entries()) assert.ok(Math.abs(v - want[j]) < TOL, `${i}`);
    }
  });

  it("embed images: the server's image settings reach its decoding as the library's do", async () => {
    const rotated = join(dir, "rotated.jpg");
    await writeFile(rotated, await exifOrientedJpeg(6, 48, 16));
    const off = await embed({ ...request, images: [rotated], image: { exifOrientation: false } });
    const on = await embed({ ...request, images: [rotated] });
    const control = cosine(on.results[0].embedding!, off.results[0].embedding!);
    assert.ok(control < 0.999, `EXIF on vs off: cosine ${control}`);
    const server = await buildServer({
      model,
      diskCache: false,
      logger: false,
      exifOrientation: false,
    });
    try {
      const res = await server.inject({
        method: "POST",
        url: "/v1/embeddings",
        payload: { input: await b64(rotated), modality: "image" },
      });
      assert.equal(res.statusCode, 200, res.body);
      const got = (res.json() as { data: { embedding: number[] }[] }).data[0].embedding;
      const similarity = cosine(got, off.results[0].embedding!);
      assert.ok(similarity > 1 - 1e-6, `server vs library with EXIF off: cosine ${similarity}`);
    } finally {
      await server.close();
    }
  });

  it("describe: the same descriptions and counts", async () => {
    const forLib = await startLlmServer();
    const forApi = await startLlmServer();
    const server = await buildServer({
      model,
      diskCache: false,
      logger: false,
      llm: { model: "test-model", baseURL: forApi.baseURL },
    });
    try {
      const lib = await describeLabels({
        labels: ["tree frog", "apple"],
        llm: { model: "test-model", baseURL: forLib.baseURL },
        questions: "seed",
        n: 2,
        cache: false,
      });
      assert.equal(lib.described, 2);
      assert.equal(lib.endpointDown, false);
      const res = await server.inject({
        method: "POST",
        url: "/v1/describe",
        payload: { labels: ["tree frog", "apple"], questions: "seed", n: 2 },
      });
      assert.equal(res.statusCode, 200, res.body);
      const api = res.json() as { descriptions: Record<string, string[]>; requests: number };
      assert.deepEqual(api.descriptions, lib.descriptions);
      assert.equal(api.requests, lib.requests);
      assert.equal(forApi.answered().length, forLib.answered().length);
    } finally {
      await server.close();
      await forLib.close();
      await forApi.close();
    }
  });
});
