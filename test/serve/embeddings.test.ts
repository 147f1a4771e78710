/**
 * POST /v1/embeddings through the official `openai` client, unchanged, pointed at a loopback
 * server: with its default (base64) and with float, texts and images, the vectors equal
 * `zeroclip embed`'s output for the same model, number for number. Token usage is checked
 * against Transformers.js's tokenizer (an independent implementation).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { parseJsonl, runCli } from "../support/cli.js";
import { makeTempDir, removeDir, textBytes } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { errorOf, post, startServer, type TestServer, writeImages } from "./helpers.js";

const TEXTS = [
  "a photo of a cat",
  "a drawing of a tree frog",
  "the same text twice",
  "the same text twice",
  `${"a very long caption ".repeat(40)}end`,
];

interface EmbedRecord {
  input: string;
  embedding?: number[];
  error?: string;
}

describe("POST /v1/embeddings (openai client)", () => {
  let dir: string;
  let modelDir: string;
  let server: TestServer;
  let client: OpenAI;
  let images: string[];
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-emb-");
    modelDir = await ensureFixtureModel("tiny");
    images = await writeImages(dir, 3);
    server = await startServer();
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "not-needed", maxRetries: 0 });
  });
  after(async () => {
    await server?.close();
    await removeDir(dir);
  });

  const cliEmbed = async (args: string[]): Promise<EmbedRecord[]> => {
    const run = await runCli(["embed", "--model", modelDir, ...args, "--format", "jsonl"]);
    assert.equal(run.code, 0, run.stderr);
    return parseJsonl(run.stdout) as unknown as EmbedRecord[];
  };

  it("texts: the client's default (base64) and float both equal `zeroclip embed`", async () => {
    const cli = await cliEmbed(TEXTS.flatMap((t) => ["--text", t]));
    const viaBase64 = await client.embeddings.create({ model: "zeroclip", input: TEXTS });
    const viaFloat = await client.embeddings.create({
      model: "zeroclip",
      input: TEXTS,
      encoding_format: "float",
    });
    assert.equal(viaBase64.object, "list");
    assert.equal(viaBase64.data.length, TEXTS.length);
    for (const res of [viaBase64, viaFloat]) {
      res.data.forEach((d, i) => {
        assert.equal(d.object, "embedding");
        assert.equal(d.index, i);
        // JSON of float32 values read back as numbers, and base64 float32 bytes: same values.
        assert.deepEqual(Array.from(d.embedding), cli[i].embedding, `text ${i}`);
      });
    }
    assert.equal(viaBase64.model, server.app.zeroclip.settings.modelName);
  });

  it("usage.prompt_tokens counts CLIP token ids as Transformers.js's tokenizer does", async () => {
    const tf = await import("@huggingface/transformers");
    tf.env.allowRemoteModels = false;
    tf.env.localModelPath = `${dirname(modelDir)}/`;
    const tok = await tf.AutoTokenizer.from_pretrained(basename(modelDir));
    const expected = TEXTS.reduce((s, t) => {
      const ids = tok(t, { truncation: true, max_length: 77 }).input_ids;
      return s + ids.dims[1];
    }, 0);
    const res = await client.embeddings.create({ model: "m", input: TEXTS });
    assert.equal(res.usage.prompt_tokens, expected);
    assert.equal(res.usage.total_tokens, expected);
    const long = await client.embeddings.create({ model: "m", input: TEXTS[4] });
    assert.equal(long.usage.prompt_tokens, 77, "truncated to CLIP's 77 positions");
  });

  it('images ("modality": "image"): data URIs and base64 equal `zeroclip embed --image`', async () => {
    const cli = await cliEmbed(images.flatMap((f) => ["--image", f]));
    const bytes = await Promise.all(images.map((f) => readFile(f)));
    const inputs = [
      `data:image/png;base64,${bytes[0].toString("base64")}`,
      bytes[1].toString("base64"),
      `data:application/octet-stream;base64,${bytes[2].toString("base64")}`,
    ];
    for (const encoding_format of [undefined, "float"] as const) {
      const res = await client.embeddings.create({
        model: "zeroclip",
        input: inputs,
        encoding_format,
        // The extension field goes through the official client untouched.
        modality: "image",
      } as OpenAI.EmbeddingCreateParams);
      res.data.forEach((d, i) => {
        assert.deepEqual(Array.from(d.embedding), cli[i].embedding, `image ${i}`);
      });
      assert.equal(res.usage.prompt_tokens, 0, "images count no text tokens");
    }
  });

  it("a bad image in a list is an entry with an empty embedding and an error; one bad image alone is a 422", async () => {
    const good = (await readFile(images[0])).toString("base64");
    const bad = Buffer.from(textBytes()).toString("base64");
    const res = await client.embeddings.create({
      model: "m",
      input: [good, bad, "./photo.jpg"],
      modality: "image",
    } as OpenAI.EmbeddingCreateParams);
    const data = res.data as (OpenAI.Embedding & { error?: string; code?: string })[];
    assert.equal(data[0].embedding.length, server.app.zeroclip.model.config.projectionDim);
    assert.deepEqual(Array.from(data[1].embedding), []);
    assert.match(data[1].error!, /not an image/);
    assert.match(data[2].error!, /never reads file paths/);
    assert.deepEqual(
      data.map((d) => d.code),
      [undefined, "image_unreadable", "image_data_invalid"],
    );

    const single = await post(`${server.url}/v1/embeddings`, {
      input: bad,
      modality: "image",
      model: "m",
    });
    assert.equal(single.status, 422);
    assert.equal(errorOf(single).type, "invalid_image");
    assert.equal(errorOf(single).code, "image_unreadable");
    await assert.rejects(
      client.embeddings.create({
        model: "m",
        input: bad,
        modality: "image",
      } as OpenAI.EmbeddingCreateParams),
      (e: unknown) =>
        e instanceof OpenAI.APIError && e.status === 422 && /not an image/.test(e.message),
    );
  });

  it("unsupported requests are 400s the client reports as such", async () => {
    await assert.rejects(
      client.embeddings.create({ model: "m", input: "x", dimensions: 7 }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /dimensions/.test(e.message),
    );
    const tokens = await post(`${server.url}/v1/embeddings`, { input: [[1, 2, 3]], model: "m" });
    assert.equal(tokens.status, 400);
    assert.equal(errorOf(tokens).type, "invalid_request");
    const empty = await post(`${server.url}/v1/embeddings`, { input: [], model: "m" });
    assert.equal(empty.status, 400);
  });
});
