/**
 * The web page's bundled script (src/browser/page/, served as /assets/app.js by the real page
 * plugin, under its content security policy) in headless Chromium against a stand-in API with
 * hand-written answers: what the page sends and what it draws from known JSON. A SigLIP-family
 * server's scores are labelled as per-label sigmoids, a CLIP one's as a softmax; explanations
 * list each label's texts with their cosines; failed inputs show their message, whether sent as
 * a string or a `{code, message}` record; search hits show their captions. No console errors.
 * Skipped without chromium, except in CI.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import type { BrowserContext, Page } from "playwright-core";
import type { ServeContext } from "../../src/serve/context.js";
import { pageRoutes } from "../../src/serve/page/plugin.js";
import { chromiumSkip, launchChromium } from "../support/browser.js";
import { pngFromPixels, solidPixels } from "../support/images.js";

const EVIL = "<img src=x onerror=window.__pwned=1>";

function config(scoring: "softmax" | "sigmoid") {
  return {
    model: "stand-in",
    dtype: "fp32",
    embedding_dim: 8,
    ready: true,
    needs_labels: true,
    features: ["classify", "search"],
    url_inputs: false,
    family: scoring === "sigmoid" ? "siglip" : "clip",
    scoring,
    default_template: "a photo of a {}.",
    presets: { classnames: [], templates: [] },
  };
}

const CLASSIFY = {
  results: [
    {
      predictions: [
        {
          label: "red apple",
          score: 0.75,
          explanation: [
            { text: "a photo of a red apple.", cosine: 0.31234 },
            { text: "a red apple.", cosine: 0.25 },
          ],
        },
        { label: EVIL, score: 0.125, explanation: [{ text: EVIL, cosine: -0.0004 }] },
      ],
    },
    { predictions: [], error: "b.png: not an image" },
    { predictions: [], error: { code: "IMAGE_DECODE", message: "c.png: unsupported format" } },
  ],
  classes: [
    { label: "red apple", texts: ["a photo of a red apple."] },
    { label: EVIL, texts: [`a photo of a ${EVIL}.`] },
  ],
};

/** Runs in the page (plain JS: the test build has no DOM types). */
const READ = `[...document.querySelectorAll("#results .result")].map((card) => {
  const canvas = card.querySelector("canvas");
  const chart = canvas ? window.Chart.getChart(canvas) : null;
  const all = (sel) => [...card.querySelectorAll(sel)].map((e) => e.textContent);
  return {
    name: card.dataset.name,
    labels: chart ? [...chart.data.labels] : [],
    scores: chart ? [...chart.data.datasets[0].data] : [],
    note: all(".score-note")[0] ?? null,
    aria: canvas ? canvas.getAttribute("aria-label") : null,
    why: all(".explanations li"),
    error: all(".error")[0] ?? null,
  };
})`;

describe("the page script against a stand-in API in headless chromium", {
  skip: chromiumSkip(),
}, () => {
  let dir: string;
  let app: FastifyInstance;
  let url: string;
  let context: BrowserContext;
  let scoring: "softmax" | "sigmoid" = "sigmoid";
  const sent: { classify: string[]; search: unknown[] } = { classify: [], search: [] };
  const files: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-page-script-"));
    for (const name of ["a.png", "b.png", "c.png"]) {
      files.push(join(dir, name));
      await writeFile(join(dir, name), pngFromPixels(solidPixels(4, 4, [200, 30, 30])));
    }
    app = Fastify();
    app.addContentTypeParser("multipart/form-data", { parseAs: "string" }, (_r, body, done) =>
      done(null, body),
    );
    await app.register(pageRoutes, { ctx: {} as ServeContext });
    app.get("/v1/config", async () => config(scoring));
    app.post("/v1/classify", async (request) => {
      sent.classify.push(request.body as string);
      return CLASSIFY;
    });
    app.post("/v1/search", async (request) => {
      sent.search.push(request.body);
      return {
        results: [
          { input: "x/a.jpg", score: 0.5 },
          { input: EVIL, score: 0.25 },
        ],
      };
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    context = await launchChromium(join(dir, "profile"));
  });
  after(async () => {
    await context?.close();
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(errors: string[]): Promise<Page> {
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: "load" });
    await page.locator("#status", { hasText: /^ready$/ }).waitFor();
    return page;
  }

  async function classify(page: Page) {
    await page.setInputFiles("#file-input", files);
    await page.fill("#labels", `red apple\n${EVIL}`);
    await page.click("#classify");
    await page.locator("#message", { hasText: /classified \d+ of \d+ image/ }).waitFor();
    return (await page.evaluate(READ)) as {
      name: string;
      labels: string[];
      scores: number[];
      note: string | null;
      aria: string | null;
      why: string[];
      error: string | null;
    }[];
  }

  it("sigmoid scores: the bars, the per-label note, explanations and both error forms", async () => {
    scoring = "sigmoid";
    const errors: string[] = [];
    const page = await open(errors);
    assert.equal(await page.textContent("#model"), "stand-in (fp32, 8-d)");
    const cards = await classify(page);
    assert.deepEqual(
      cards.map((c) => c.name),
      ["a.png", "b.png", "c.png"],
    );
    assert.deepEqual(cards[0].labels, ["red apple", EVIL]);
    assert.deepEqual(cards[0].scores, [0.75, 0.125]);
    assert.equal(
      cards[0].note,
      "each label scored on its own (sigmoid): scores need not sum to 100%",
    );
    assert.equal(cards[0].aria, "per-label probabilities for a.png");
    assert.deepEqual(cards[0].why, [
      "red apple: a photo of a red apple. 0.312; a red apple. 0.250",
      `${EVIL}: ${EVIL} -0.000`,
    ]);
    assert.equal(cards[1].error, "b.png: not an image");
    assert.equal(cards[2].error, "c.png: unsupported format");
    assert.equal(await page.textContent("#message"), "classified 1 of 3 images (2 failed)");
    assert.equal(await page.evaluate("window.__pwned"), undefined);
    // What the page sent: the three files, the labels, the template and its fixed options.
    const body = sent.classify.at(-1) ?? "";
    const field = (name: string) =>
      new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(body)?.[1];
    assert.equal(body.match(/name="image"; filename="[abc]\.png"/g)?.length, 3);
    assert.deepEqual(JSON.parse(field("labels") ?? "null"), ["red apple", EVIL]);
    assert.deepEqual(JSON.parse(field("templates") ?? "null"), ["a photo of a {}."]);
    assert.equal(field("top_k"), "10");
    assert.equal(field("explain"), "3");
    assert.equal(field("include_texts"), "true");
    assert.equal(field("aggregate"), "normalized-mean");
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("softmax scores are labelled as summing to 100%; the search box shows the hits", async () => {
    scoring = "softmax";
    const errors: string[] = [];
    const page = await open(errors);
    const [card] = await classify(page);
    assert.equal(card.note, "probabilities over these labels (softmax): they sum to 100%");
    assert.equal(card.aria, "class probabilities for a.png");
    await page.waitForSelector("#search:not([hidden])");
    await page.fill("#search-text", "an apple");
    await page.click("#search-form button");
    await page.locator("#search-results figcaption").nth(1).waitFor();
    const captions = await page.locator("#search-results figcaption").allTextContents();
    assert.deepEqual(captions, ["x/a.jpg · 0.500", `${EVIL} · 0.250`]);
    assert.deepEqual(sent.search.at(-1), { text: "an apple", k: 24, thumbnails: true });
    assert.equal(await page.evaluate("window.__pwned"), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
