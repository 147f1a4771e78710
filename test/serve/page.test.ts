/**
 * The web page end to end in headless Chromium (Debian's, through playwright-core): pick images,
 * type classes, classify, read the bars, which must equal `zeroclip classify` for the same
 * files; describe with the (fake) LLM; a bad file gets its error; hostile class names stay text;
 * the API key box. Everything the page loads comes from the server. A screenshot goes to
 * /tmp/zeroclip-serve-page.png (docs/serve-page.png is one of these). Skipped without chromium,
 * except in CI.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { ClipModel } from "../../src/model/clip-model.js";
import { chromiumSkip, launchChromium } from "../support/browser.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { makeTempDir, removeDir, textBytes } from "../support/images.js";
import { type LlmServer, startLlmServer } from "../support/llm-server.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { post, startServer, type TestServer } from "./helpers.js";

const skip = chromiumSkip();
const EVIL = "<img src=x onerror=window.__pwned=1>";
const LABELS = ["red apple", "green leaf", "blue sky", "yellow banana"];

interface Bars {
  name: string;
  labels: string[];
  scores: number[];
  error: string | null;
}

/** Runs in the page (plain JS: the test build has no DOM types). */
const READ_BARS = `[...document.querySelectorAll("#results .result")].map((card) => {
  const canvas = card.querySelector("canvas");
  const chart = canvas ? window.Chart.getChart(canvas) : null;
  const err = card.querySelector(".error");
  return {
    name: card.dataset.name,
    labels: chart ? [...chart.data.labels] : [],
    scores: chart ? [...chart.data.datasets[0].data] : [],
    error: err ? err.textContent : null,
  };
})`;

const READ_TEXTS = `[...document.querySelectorAll("#texts-list details")].map((d) => ({
  summary: d.querySelector("summary").textContent,
  texts: [...d.querySelectorAll("li")].map((li) => li.textContent),
}))`;

/** A photo-like image: a sky gradient over a coloured blob (so the screenshot shows something). */
async function scene(file: string, rgb: [number, number, number], seed: number): Promise<void> {
  const w = 160;
  const h = 120;
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - w / 2 - seed * 7, y - h / 2) / 45;
      const t = Math.max(0, 1 - d);
      const i = (y * w + x) * 3;
      for (let c = 0; c < 3; c++)
        data[i + c] = Math.round(t * rgb[c] + (1 - t) * (200 - y / 2 + c * 20));
    }
  }
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 92 })
    .toFile(file);
}

describe("the web page in headless chromium", { skip }, () => {
  let dir: string;
  let modelDir: string;
  let model: ClipModel;
  let llm: LlmServer;
  let server: TestServer;
  let context: BrowserContext;
  const files: string[] = [];
  const errors: string[] = [];
  const env: Record<string, string | undefined> = {};

  before(async () => {
    dir = await makeTempDir("zeroclip-serve-page-");
    env.ZEROCLIP_CACHE = process.env.ZEROCLIP_CACHE;
    process.env.ZEROCLIP_CACHE = join(dir, "cache");
    modelDir = await ensureFixtureModel("probe");
    model = await ClipModel.load(modelDir, { preprocessWorkers: 2 });
    const colours: [string, [number, number, number]][] = [
      ["apple.jpg", [200, 30, 30]],
      ["leaf.jpg", [40, 170, 50]],
      ["banana.jpg", [235, 210, 40]],
    ];
    for (const [i, [name, rgb]] of colours.entries()) {
      files.push(join(dir, name));
      await scene(files[i], rgb, i);
    }
    await writeFile(join(dir, "notes.png"), textBytes());
    llm = await startLlmServer({
      answer: (prompt, k) => `${prompt.replace(/[?:]$/, "")} (answer ${k}).`,
    });
    server = await startServer({
      model,
      modelName: "probe (generated)",
      diskCache: true,
      llm: { model: "test-llm", baseURL: llm.baseURL },
      presets: { classnames: { fruit: ["red apple", "yellow banana", "green pear"] } },
    });
    context = await launchChromium(join(dir, "profile"), { width: 1280, height: 1000 });
  });
  after(async () => {
    await context?.close();
    await server?.close();
    await llm?.close();
    await model?.dispose();
    process.env.ZEROCLIP_CACHE = env.ZEROCLIP_CACHE;
    if (env.ZEROCLIP_CACHE === undefined) delete process.env.ZEROCLIP_CACHE;
    await removeDir(dir);
  });

  async function open(url = server.url): Promise<Page> {
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith("blob:"))
        errors.push(`external request: ${r.url()}`);
    });
    await page.goto(url, { waitUntil: "load" });
    return page;
  }

  // Waits use locators, not string predicates: the page's CSP forbids eval, which
  // waitForFunction("…") would need.
  async function classify(page: Page): Promise<Bars[]> {
    await page.click("#classify");
    await page.locator("#message", { hasText: /classified \d+ of \d+ image/ }).waitFor();
    await page.locator("#classify:enabled").waitFor();
    return (await page.evaluate(READ_BARS)) as Bars[];
  }

  const waitReady = (page: Page) => page.locator("#status", { hasText: /^ready$/ }).waitFor();

  it("upload images, type classes, classify: the bars equal `zeroclip classify`", async () => {
    const page = await open();
    await waitReady(page);
    await page.setInputFiles("#file-input", [...files, join(dir, "notes.png")]);
    await page.fill("#labels", LABELS.join(", "));
    const bars = await classify(page);
    assert.deepEqual(
      bars.map((b) => b.name),
      ["apple.jpg", "leaf.jpg", "banana.jpg", "notes.png"],
    );
    const run = await runCli([
      "classify",
      ...files,
      "--model",
      modelDir,
      "-l",
      LABELS.join(","),
      "--format",
      "jsonl",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const cli = parseJsonl(run.stdout) as { predictions: { label: string; score: number }[] }[];
    cli.forEach((c, i) => {
      assert.deepEqual(
        bars[i].labels,
        c.predictions.map((p) => p.label),
        bars[i].name,
      );
      bars[i].scores.forEach((s, j) => {
        const want = c.predictions[j].score;
        assert.ok(
          Math.abs(s - want) <= Math.max(1e-5 * want, 1e-12),
          `${bars[i].name} ${bars[i].labels[j]}: ${s} vs ${want}`,
        );
      });
    });
    assert.match(bars[3].error ?? "", /not an image/);
    // A CLIP model's scores are a softmax over the labels; under each chart, each label's text
    // closest to the image (explain) with its cosine.
    assert.deepEqual(
      await page.locator("#results .score-note").allTextContents(),
      files.map(() => "probabilities over these labels (softmax): they sum to 100%"),
    );
    const why = page.locator("#results .result").first().locator(".explanations li");
    assert.deepEqual(
      (await why.allTextContents()).map((l) => l.replace(/ -?\d\.\d{3}$/, "")),
      bars[0].labels.map((l) => `${l}: a photo of a ${l}.`),
    );
    const texts = (await page.evaluate(READ_TEXTS)) as { summary: string; texts: string[] }[];
    assert.deepEqual(
      texts.map((t) => t.texts),
      LABELS.map((l) => [`a photo of a ${l}.`]),
    );
    assert.match((await page.textContent("#timing")) ?? "", /classify \d+ ms · total \d+ ms/);
    assert.match(
      (await page.textContent("#message")) ?? "",
      /classified 3 of 4 images \(1 failed\)/,
    );
    await page.screenshot({ path: "/tmp/zeroclip-serve-page.png", fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("describe with the LLM: the texts behind each class are the LLM's descriptions", async () => {
    const page = await open();
    await page.waitForSelector("#llm-strategy:not([hidden])");
    await page.setInputFiles("#file-input", files.slice(0, 2));
    await page.fill("#labels", "red apple\ngreen leaf");
    await page.check("input[name=strategy][value=llm]");
    await page.fill("#llm-n", "2");
    const bars = await classify(page);
    assert.equal(bars.length, 2);
    assert.ok(bars.every((b) => b.labels.length === 2 && b.error === null));
    // The same request again is answered from the answer cache: the same descriptions.
    const again = await post(`${server.url}/v1/describe`, {
      labels: ["red apple", "green leaf"],
      n: 2,
    });
    const descriptions = (
      again.body as { descriptions: Record<string, string[]>; requests: number }
    ).descriptions;
    assert.equal((again.body as { requests: number }).requests, 0);
    const texts = (await page.evaluate(READ_TEXTS)) as { summary: string; texts: string[] }[];
    assert.deepEqual(
      texts.map((t) => t.texts),
      [descriptions["red apple"], descriptions["green leaf"]],
    );
    assert.ok(descriptions["red apple"].length === 10, "5 questions × 2 samples");
    assert.match((await page.textContent("#message")) ?? "", /described 2 classes/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("a class list preset, an ensemble, and hostile class names that stay text", async () => {
    const page = await open();
    await page.waitForSelector("#classnames-preset:not([hidden])");
    await page.selectOption("#classnames-preset", "fruit");
    for (let i = 0; i < 100 && !(await page.inputValue("#labels")).includes("green pear"); i++) {
      await page.waitForTimeout(20);
    }
    await page.fill("#labels", `${await page.inputValue("#labels")}\n${EVIL}`);
    await page.check("input[name=strategy][value=ensemble]");
    await page.fill("#ensemble", "a photo of a {}.\na drawing of a {}.");
    await page.setInputFiles("#file-input", files.slice(2));
    const [bars] = await classify(page);
    assert.equal(bars.labels.length, 4);
    assert.ok(bars.labels.includes(EVIL));
    assert.equal(await page.evaluate("window.__pwned"), undefined);
    const texts = (await page.evaluate(READ_TEXTS)) as { summary: string; texts: string[] }[];
    assert.deepEqual(texts[0].texts, ["a photo of a red apple.", "a drawing of a red apple."]);
    assert.ok(texts.some((t) => t.summary.startsWith(EVIL)));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("with an API key, the page asks for it and then works", async () => {
    const keyed = await startServer({ model, apiKey: "page-key-123" });
    try {
      const page = await open(keyed.url);
      await page.waitForSelector("#key-box:not([hidden])");
      await page.fill("#api-key", "page-key-123");
      await page.click("#key-save");
      await waitReady(page);
      await page.setInputFiles("#file-input", files.slice(0, 1));
      await page.fill("#labels", "a, b");
      const [bars] = await classify(page);
      assert.equal(bars.labels.length, 2);
      // Only the 401 of the first config request was logged by the browser.
      assert.ok(
        errors.every((e) => /401/.test(e)),
        errors.join("\n"),
      );
      errors.length = 0;
      await page.close();
    } finally {
      await keyed.close();
    }
  });
});
