/**
 * The HTML report in a real headless browser (Debian's chromium through playwright-core): it
 * renders without console errors, its Chart.js charts hold the numbers of the JSON output, its
 * heatmap cells hold the confusion matrix, and hostile class names stay text. Screenshots go to
 * /tmp/zeroclip-eval-report-*.png. Skipped when chromium is not installed, except in CI
 * (`CI=true`, which .ci/run sets): there a missing browser fails the suite.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { BrowserContext } from "playwright-core";
import { chromiumSkip, launchChromium } from "../support/browser.js";
import { runCli } from "../support/cli.js";
import { CLASS_COLOURS, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { sharedPath } from "../support/paths.js";
import type { EvalDoc } from "./recompute.js";

const skip = chromiumSkip();
const EVIL = "<img src=x onerror=window.__pwned=1>";

const pct2 = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(2)}%`);

interface PageFacts {
  errors: string[];
  strategies: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] };
  perClass: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] };
  heatmaps: { strategy: string; cells: [number, number, string][] }[];
  summary: { strategy: string; metrics: Record<string, string> }[];
  thumbs: { ok: boolean; title: string }[];
  pwned: unknown;
  headers: string[];
  failedRows: string[][];
}

/** Runs in the page (plain JS: the test build has no DOM types). */
const PROBE = `(() => {
  const chartData = (id) => {
    const c = window.Chart.getChart(document.getElementById(id));
    if (!c) throw new Error("no chart on #" + id);
    return {
      labels: [...c.data.labels],
      datasets: c.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })),
    };
  };
  const all = (sel, root) => [...(root || document).querySelectorAll(sel)];
  return {
    strategies: chartData("chart-strategies"),
    perClass: chartData("chart-per-class"),
    heatmaps: all("table.heatmap").map((t) => ({
      strategy: t.dataset.strategy,
      cells: all("td[data-true]", t).map((td) => [Number(td.dataset.true), Number(td.dataset.pred), td.textContent]),
    })),
    summary: all("#summary-metrics tbody tr").map((tr) => ({
      strategy: tr.dataset.strategy,
      metrics: Object.fromEntries(all("td[data-metric]", tr).map((td) => [td.dataset.metric, td.textContent])),
    })),
    thumbs: all(".thumbs img").map((img) => ({ ok: img.complete && img.naturalWidth > 0, title: img.title })),
    pwned: window.__pwned,
    headers: all("table.heatmap thead th").map((th) => th.textContent),
    failedRows: all("table.failed tbody tr").map((tr) => all("td", tr).map((td) => td.textContent)),
  };
})()`;

async function inspectReport(
  context: BrowserContext,
  file: string,
  screenshot: string,
): Promise<PageFacts> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForFunction('document.querySelectorAll("table.heatmap").length > 0');
  const facts = (await page.evaluate(PROBE)) as Omit<PageFacts, "errors">;
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { errors, ...facts } as PageFacts;
}

/** Everything the page shows must be the JSON's numbers. */
function compareWithJson(f: PageFacts, doc: EvalDoc): void {
  assert.deepEqual(f.errors, []);
  const names = Object.keys(doc.strategies);
  assert.deepEqual(f.strategies.labels, ["top-1", "top-5", "mean per-class recall"]);
  assert.deepEqual(
    f.strategies.datasets.map((d) => d.label),
    names,
  );
  f.strategies.datasets.forEach((d, i) => {
    const s = doc.strategies[names[i]];
    assert.deepEqual(d.data, [s.top1, s.top5, s.mean_per_class_recall]);
  });
  assert.deepEqual(f.perClass.labels, doc.classes);
  f.perClass.datasets.forEach((d, i) => {
    const s = doc.strategies[names[i]];
    assert.equal(d.label, names[i]);
    assert.deepEqual(
      d.data,
      doc.classes.map((c) => s.per_class[c] ?? null),
    );
  });
  assert.deepEqual(
    f.heatmaps.map((h) => h.strategy),
    names,
  );
  for (const h of f.heatmaps) {
    const m = doc.strategies[h.strategy].confusion.matrix;
    assert.equal(h.cells.length, doc.classes.length ** 2);
    for (const [t, p, text] of h.cells)
      assert.equal(text, String(m[t][p]), `${h.strategy} ${t},${p}`);
  }
  assert.deepEqual(
    f.summary.map((r) => r.strategy),
    names,
  );
  for (const r of f.summary) {
    const s = doc.strategies[r.strategy];
    assert.deepEqual(r.metrics, {
      top1: pct2(s.top1),
      top5: pct2(s.top5),
      mean_per_class_recall: pct2(s.mean_per_class_recall),
    });
  }
  assert.ok(f.thumbs.length > 0, "no example thumbnails");
  assert.ok(
    f.thumbs.every((t) => t.ok),
    "a thumbnail did not decode",
  );
  assert.equal(f.pwned, undefined);
  assert.deepEqual(
    f.failedRows.map((r) => r[0]),
    doc.failed.map((x) => x.input),
  );
}

describe("eval report in headless chromium", { skip }, () => {
  let dir: string;
  let context: BrowserContext;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-browser-"));
    context = await launchChromium(join(dir, "profile"));
  });
  after(async () => {
    await context?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("generated dataset: charts and heatmaps match the JSON; hostile names stay text", async () => {
    const model = await ensureFixtureModel("tiny");
    const ds = await writeColourDataset(join(dir, "set"), {
      classes: { ...CLASS_COLOURS, [EVIL]: [120, 120, 120] },
      perClass: 3,
    });
    const report = join(dir, "generated.html");
    const run = await runCli(
      [
        "eval",
        ds.root,
        "--model",
        model,
        "-s",
        "base=single:a photo of a {}.",
        "-s",
        "other=single:{}",
        "--format",
        "json",
        "--report",
        report,
      ],
      { ZEROCLIP_CACHE: join(dir, "cache") },
    );
    assert.equal(run.code, 1, run.stderr);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.ok(doc.classes.includes(EVIL));
    const facts = await inspectReport(context, report, "/tmp/zeroclip-eval-report-generated.png");
    compareWithJson(facts, doc);
    assert.ok(facts.headers.includes(EVIL), "the hostile class name is shown as text");
    assert.equal(facts.failedRows.length, 1);
  });

  const cifar = sharedPath("data", "cifar10-test");
  const tiny = sharedPath("models", "tiny-clip");
  const cupl = sharedPath("prompts", "cupl_cifar10_full.json");
  it("cifar10-test: charts and heatmaps match the JSON", {
    skip: cifar && tiny && cupl ? false : "../shared is absent",
  }, async () => {
    const report = join(dir, "cifar10.html");
    const run = await runCli(
      [
        "eval",
        cifar!,
        "--model",
        tiny!,
        "--per-class",
        "20",
        "--strategy",
        "single=single:a photo of a {}.",
        "--strategy",
        `cupl=cupl:${cupl}`,
        "--format",
        "json",
        "--report",
        report,
      ],
      { ZEROCLIP_CACHE: join(dir, "cache") },
    );
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    const facts = await inspectReport(context, report, "/tmp/zeroclip-eval-report-cifar10.png");
    compareWithJson(facts, doc);
    assert.equal(facts.failedRows.length, 0);
  });
});
