/**
 * `zeroclip serve --store S --adapter A` as a user runs it (a child process): `POST /v1/search`
 * answers exactly what `zeroclip search` prints, thumbnails included on request; classify uses
 * the adapter's classes and equals `zeroclip classify --adapter`; the page's search box shows
 * the hits; a store of another model is refused with exit code 3.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { roundScore } from "../../src/cli/output.js";
import { chromiumSkip, launchChromium } from "../support/browser.js";
import { parseJsonl, runCli } from "../support/cli.js";
import {
  type GeneratedDataset,
  SMALL_PHOTOS_PROBE,
  writeColourDataset,
} from "../support/datasets.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { type Child, get, post, startCli } from "./helpers.js";

interface Hit {
  input: string;
  score: number;
  thumbnail?: string;
}
interface Prediction {
  label: string;
  score: number;
}

const b64 = async (f: string) => (await readFile(f)).toString("base64");

function assertSameHits(got: Hit[], want: Hit[], what: string): void {
  assert.deepEqual(
    got.map((h) => h.input),
    want.map((h) => h.input),
    what,
  );
  for (const [i, h] of got.entries()) {
    assert.ok(Math.abs(h.score - want[i].score) < 1e-6, `${what} #${i}`);
  }
}

function assertSamePredictions(got: Prediction[], want: Prediction[], what: string): void {
  assert.deepEqual(
    got.map((p) => p.label),
    want.map((p) => p.label),
    what,
  );
  // The CLI prints scores rounded (6 significant digits); the server sends them whole.
  for (const [i, p] of got.entries()) {
    assert.equal(roundScore(p.score), want[i].score, `${what}: ${p.label} ${p.score}`);
  }
}

describe("zeroclip serve --store --adapter", () => {
  let dir: string;
  let probe: string;
  let train: GeneratedDataset;
  let test: GeneratedDataset;
  let store: string;
  let adapter: string;
  let server: Child;
  const cache = () => ({ ZEROCLIP_CACHE: join(dir, "cache") });

  before(async () => {
    dir = await makeTempDir("zeroclip-serve-store-");
    probe = await ensureFixtureModel("probe", SMALL_PHOTOS_PROBE);
    train = await writeColourDataset(join(dir, "train"), { perClass: 6, corrupt: false });
    test = await writeColourDataset(join(dir, "test"), {
      perClass: 2,
      corrupt: false,
      firstIndex: 6,
    });
    store = join(dir, "photos.zcstore");
    adapter = join(dir, "photos.safetensors");
    const index = await runCli(
      ["index", train.root, test.root, "--store", store, "--model", probe, "--format", "json"],
      cache(),
    );
    assert.equal(index.code, 0, index.stderr);
    const adapt = await runCli(
      ["adapt", train.root, "--model", probe, "--method", "gda", "--augment-views", "0"].concat([
        "--out",
        adapter,
        "--format",
        "json",
      ]),
      cache(),
    );
    assert.equal(adapt.code, 0, adapt.stderr);
    // No --model: the store's model is the default.
    server = await startCli(["--store", store, "--adapter", adapter], cache());
  });

  after(async () => {
    server?.proc.kill("SIGTERM");
    await server?.exit;
    if (dir) await removeDir(dir);
  });

  it("reports search and the adapter's fixed classes in /v1/config", async () => {
    const cfg = (await get(`${server.url}/v1/config`)).body as Record<string, unknown>;
    assert.ok((cfg.features as string[]).includes("search"));
    assert.equal(cfg.needs_labels, false);
    assert.deepEqual(cfg.fixed_labels, train.classes);
  });

  it("text and image queries answer what `zeroclip search` prints", async () => {
    const query = test.images[3].path;
    const cli = await runCli(
      ["search", "--store", store, "--text", "a red square", "--image", query, "-k", "7"].concat([
        "--format",
        "json",
      ]),
      cache(),
    );
    assert.equal(cli.code, 0, cli.stderr);
    const [textBlock, imageBlock] = JSON.parse(cli.stdout) as { query: string; results: Hit[] }[];
    const text = await post(`${server.url}/v1/search`, { text: "a red square", k: 7 });
    assert.equal(text.status, 200, text.text);
    const tb = text.body as { query: string; results: Hit[] };
    assert.equal(tb.query, "a red square");
    assertSameHits(tb.results, textBlock.results, "text query");
    const image = await post(`${server.url}/v1/search`, { image: await b64(query), k: 7 });
    assert.equal(image.status, 200, image.text);
    const ib = image.body as { query: string; results: Hit[] };
    assert.equal(ib.query, "<image>");
    assertSameHits(ib.results, imageBlock.results, "image query");
    // The stored image itself is the nearest, at cosine 1.
    assert.equal(ib.results[0].input, query);
    assert.ok(Math.abs(ib.results[0].score - 1) < 1e-6);
  });

  it("templates wrap a text query as `search --template` does; thumbnails on request", async () => {
    const cli = await runCli(
      ["search", "--store", store, "--text", "cyan", "-t", "a photo of {}.", "-k", "3"].concat([
        "--format",
        "json",
      ]),
      cache(),
    );
    assert.equal(cli.code, 0, cli.stderr);
    const [want] = JSON.parse(cli.stdout) as { results: Hit[] }[];
    const res = await post(`${server.url}/v1/search`, {
      text: "cyan",
      templates: ["a photo of {}."],
      k: 3,
      thumbnails: true,
    });
    assert.equal(res.status, 200, res.text);
    const hits = (res.body as { results: Hit[] }).results;
    assertSameHits(hits, want.results, "templated query");
    for (const h of hits) assert.match(h.thumbnail ?? "", /^data:image\/jpeg;base64,[A-Za-z0-9+/]/);
  });

  it("bad search requests are 400 or 422 JSON errors", async () => {
    const cases: [unknown, number][] = [
      [{ text: "x", image: "aGVsbG8=" }, 400],
      [{ k: 3 }, 400],
      [{ text: "x", k: 0 }, 400],
      [{ image: "aGVsbG8=", templates: ["{}"] }, 400],
      [{ image: "bm90IGFuIGltYWdl" }, 422],
    ];
    for (const [body, status] of cases) {
      const res = await post(`${server.url}/v1/search`, body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
      const err = (res.body as { error: { message: string; type: string } }).error;
      assert.equal(typeof err.message, "string");
    }
  });

  it("classifies with the adapter: equal to `zeroclip classify --adapter`", async () => {
    const files = test.images.map((i) => i.path);
    const cli = await runCli(
      ["classify", ...files, "--adapter", adapter, "--model", probe, "--format", "jsonl"],
      cache(),
    );
    assert.equal(cli.code, 0, cli.stderr);
    const want = parseJsonl(cli.stdout) as { predictions: Prediction[] }[];
    const res = await post(`${server.url}/v1/classify`, {
      images: await Promise.all(files.map(b64)),
    });
    assert.equal(res.status, 200, res.text);
    const got = (res.body as { results: { predictions: Prediction[] }[] }).results;
    for (const [i, r] of got.entries()) {
      assertSamePredictions(r.predictions, want[i].predictions, files[i]);
    }
    // The adapter separates the colours (zero-shot on the probe's random text tower cannot).
    const correct = got.filter((r, i) => r.predictions[0].label === test.images[i].label).length;
    assert.ok(correct >= files.length - 1, `${correct} of ${files.length} right`);
    // The Hugging Face shape, with no candidate labels.
    const hf = await post(`${server.url}/v1/classify`, { inputs: await b64(files[0]) });
    assert.equal(hf.status, 200, hf.text);
    assertSamePredictions(hf.body as Prediction[], want[0].predictions, "HF shape");
    // The same classes in another order are fine; other classes or prompts are not.
    const same = await post(`${server.url}/v1/classify`, {
      images: [await b64(files[0])],
      labels: [...train.classes].reverse(),
    });
    assert.equal(same.status, 200, same.text);
    for (const body of [
      { images: [await b64(files[0])], labels: ["cat", "dog"] },
      { images: [await b64(files[0])], templates: ["a photo of a {}."] },
      { inputs: await b64(files[0]), parameters: { hypothesis_template: "{}" } },
    ]) {
      const res400 = await post(`${server.url}/v1/classify`, body);
      assert.equal(res400.status, 400, res400.text);
    }
  });

  it("a store of another model is refused with one line and exit code 3", async () => {
    const tiny = await ensureFixtureModel("tiny");
    const run = await runCli(["serve", "--store", store, "--model", tiny, "--port", "0"], cache());
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /^zeroclip: .*photos\.zcstore holds 48-d embeddings/m);
  });

  describe("the page's search box in headless chromium", { skip: chromiumSkip() }, () => {
    let context: BrowserContext;
    before(async () => {
      context = await launchChromium(join(dir, "profile"));
    });
    after(async () => {
      await context?.close();
    });

    it("shows the hits of a text query with their thumbnails", async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(server.url + "/");
      await page.locator("#search").waitFor({ state: "visible" });
      await page.fill("#search-text", "a red square");
      await page.click("#search-form button[type=submit]");
      await page.locator("#search-results figure").first().waitFor();
      const shown = await page.$$eval("#search-results figure", (figs) =>
        figs.map((f) => ({
          caption: f.querySelector("figcaption")?.textContent ?? "",
          img: f.querySelector("img")?.getAttribute("src") ?? "",
        })),
      );
      const api = await post(`${server.url}/v1/search`, { text: "a red square", k: 24 });
      const hits = (api.body as { results: Hit[] }).results;
      assert.equal(shown.length, hits.length);
      shown.forEach((s, i) => {
        assert.equal(s.caption, `${hits[i].input} · ${hits[i].score.toFixed(3)}`);
        assert.match(s.img, /^data:image\/jpeg;base64,/);
      });
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
});
