/**
 * `zeroclip search` end to end: results equal a brute-force cosine search over embeddings the
 * test computes itself (image queries, text queries, templates and descriptions averaged by
 * hand), one block per query in command-line order, and a self-contained HTML gallery.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { bruteForce } from "../support/store-contract.js";

function normalize(v: ArrayLike<number>): Float32Array {
  const n = Math.hypot(...Array.from(v));
  return Float32Array.from(v, (x) => x / n);
}

function mean(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows[0].length);
  for (const r of rows) {
    r.forEach((x, i) => {
      out[i] += x / rows.length;
    });
  }
  return out;
}

interface Block {
  query: string;
  results?: { input: string; score: number }[];
  code?: string;
  error?: string;
}

describe("zeroclip search (probe model, generated images)", () => {
  let dir: string;
  let probe: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let model: ClipModel;
  let stored: { input: string; embedding: Float32Array }[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-search-"));
    probe = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 4 });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    store = join(dir, "photos.zcstore");
    const run = await runCli(["index", ds.root, "--store", store, "--model", probe], env);
    assert.equal(run.code, 1, run.stderr);
    model = await ClipModel.load(probe, { preprocessWorkers: 1 });
    const embedded = await model.embedImages(ds.images.map((i) => i.path));
    stored = embedded.map((r) => ({ input: r.input, embedding: r.embedding! }));
  });
  after(async () => {
    await model?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const search = (...args: string[]) =>
    runCli(["search", "--store", store, "--format", "jsonl", ...args], env);

  function assertExact(block: Block, query: Float32Array, k: number): void {
    const want = bruteForce(stored, query, k);
    assert.ok(block.results, block.error);
    assert.deepEqual(
      block.results.map((r) => r.input),
      want.map((w) => w.input),
      `query ${block.query}`,
    );
    block.results.forEach((r, i) => {
      assert.ok(Math.abs(r.score - want[i].score) < 1e-5);
    });
  }

  it("answers image and text queries in command-line order, each with the exact top-k", async () => {
    const [qa, qb] = [ds.images[0].path, ds.images[9].path];
    const run = await search("--image", qa, "--text", "a red square", "--image", qb, "-k", "5");
    assert.equal(run.code, 0, run.stderr);
    const blocks = parseJsonl(run.stdout) as unknown as Block[];
    assert.deepEqual(
      blocks.map((b) => b.query),
      [qa, "a red square", qb],
    );
    const [ea, eb] = (await model.embedImages([qa, qb])).map((r) => r.embedding!);
    assertExact(blocks[0], ea, 5);
    assert.equal(blocks[0].results![0].input, qa); // itself, at cosine 1
    assertExact(blocks[1], (await model.embedTexts(["a red square"]))[0], 5);
    assertExact(blocks[2], eb, 5);
  });

  it("wraps text queries in templates, averaged as class embeddings are", async () => {
    const run = await search("--text", "cat", "-t", "a photo of a {}.", "-t", "a drawing of a {}.");
    const [block] = parseJsonl(run.stdout) as unknown as Block[];
    const texts = await model.embedTexts(["a photo of a cat.", "a drawing of a cat."]);
    assertExact(block, normalize(mean(texts)), 10);
  });

  it("takes a class name's descriptions with --descriptions (CuPL as a query)", async () => {
    const file = join(dir, "desc.json");
    const sentences = ["A small furry pet.", "It purrs.", "Whiskers and a tail."];
    await writeFile(file, JSON.stringify({ cat: sentences }));
    const run = await search("--text", "cat", "--descriptions", file, "-k", "3");
    assert.equal(run.code, 0, run.stderr);
    const [block] = parseJsonl(run.stdout) as unknown as Block[];
    assertExact(block, normalize(mean(await model.embedTexts(sentences))), 3);
    const missing = await search("--text", "dog", "--descriptions", file);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no descriptions for "dog"/);
  });

  it("an unreadable image query is an error block; the others are answered (exit 1)", async () => {
    const run = await search("--image", join(dir, "nope.jpg"), "--text", "blue");
    assert.equal(run.code, 1);
    const blocks = parseJsonl(run.stdout) as unknown as Block[];
    assert.match(blocks[0].error!, /no such file/);
    assert.equal(blocks[0].code, "file_not_found");
    assert.equal(blocks[1].results!.length, 10);
  });

  it("writes a self-contained HTML gallery with a thumbnail per result", async () => {
    const html = join(dir, "gallery.html");
    const run = await search(
      "--image",
      ds.images[0].path,
      "--text",
      "<b>x</b>",
      "-k",
      "4",
      "--html",
      html,
    );
    assert.equal(run.code, 0, run.stderr);
    const page = await readFile(html, "utf8");
    assert.equal(page.match(/<img src="data:image\/jpeg;base64,/g)?.length, 8);
    assert.doesNotMatch(page, /<script|src="http|href="http/);
    assert.match(page, /&lt;b&gt;x&lt;\/b&gt;/);
    assert.doesNotMatch(page, /<b>x<\/b>/);
  });

  it("refuses a model other than the store's, and a store that does not exist", async () => {
    const tiny = await ensureFixtureModel("tiny");
    const other = await search("--text", "x", "--model", tiny);
    assert.equal(other.code, 3);
    assert.match(other.stderr, /holds 48-d embeddings/);
    const none = await runCli(["search", "--store", join(dir, "none.zcstore"), "--text", "x"], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no store at/);
  });

  it("prints a table per query on request", async () => {
    const run = await search("--text", "green", "--text", "red", "-k", "2", "--format", "table");
    assert.match(run.stdout, /^query: green\n#\s+score\s+input\n/);
    assert.match(run.stdout, /\nquery: red\n/);
  });
});
