/**
 * The report of `eval --train` in headless Chromium: the accuracy-versus-shots chart of each
 * strategy holds the JSON's means (one line per method) and the zero-shot baseline, the table
 * under it the same numbers, and the page has no console errors. Screenshot:
 * /tmp/zeroclip-fewshot-report.png. Skipped when chromium is not installed.
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
import { writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { checkFewShotDoc, type FewShotDoc } from "./fewshot-doc.js";

const PROBE = `(() => {
  const all = (sel, root) => [...(root || document).querySelectorAll(sel)];
  return {
    boxes: all("#fewshot-charts .fewshot-box").map((box) => {
      const c = window.Chart.getChart(box.querySelector("canvas"));
      return {
        strategy: box.dataset.strategy,
        labels: [...c.data.labels],
        datasets: c.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })),
        rows: all("table.fewshot tbody tr", box).map((tr) => all("td", tr).map((td) => td.textContent)),
      };
    }),
    note: document.getElementById("fewshot-note").textContent,
  };
})()`;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

describe("few-shot report in headless chromium", { skip: chromiumSkip() }, () => {
  let dir: string;
  let context: BrowserContext;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-fewshot-browser-"));
    context = await launchChromium(join(dir, "profile"));
  });
  after(async () => {
    await context?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("charts accuracy versus shots per strategy with the zero-shot baseline", async () => {
    const probe = await ensureFixtureModel("probe");
    const train = await writeColourDataset(join(dir, "train"), { perClass: 8, corrupt: false });
    const test = await writeColourDataset(join(dir, "test"), {
      perClass: 3,
      corrupt: false,
      firstIndex: 8,
    });
    const report = join(dir, "report.html");
    const run = await runCli(
      [
        "eval",
        test.root,
        "--train",
        train.root,
        "--model",
        probe,
        "--shots",
        "1,2,4",
        "--seeds",
        "1,2",
        "--method",
        "tip-adapter,gda",
        "--augment-views",
        "2",
        "-s",
        "base=single:a photo of a {}.",
        "-s",
        "bare=single:{}",
        "--format",
        "json",
        "--report",
        report,
      ],
      { ZEROCLIP_CACHE: join(dir, "cache") },
      300_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as FewShotDoc;
    for (const s of ["base", "bare"])
      checkFewShotDoc(doc, s, ["tip-adapter", "gda"], [1, 2, 4], [1, 2]);

    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(report).href, { waitUntil: "load" });
    await page.waitForFunction('document.querySelectorAll("#fewshot-charts canvas").length > 0');
    const facts = (await page.evaluate(PROBE)) as {
      boxes: {
        strategy: string;
        labels: string[];
        datasets: { label: string; data: number[] }[];
        rows: string[][];
      }[];
      note: string;
    };
    await page.locator("#fewshot").screenshot({ path: "/tmp/zeroclip-fewshot-report.png" });
    await page.close();
    assert.deepEqual(errors, []);
    assert.match(facts.note, /seeds 1, 2/);
    assert.deepEqual(
      facts.boxes.map((b) => b.strategy),
      ["base", "bare"],
    );
    for (const box of facts.boxes) {
      const s = doc.strategies[box.strategy];
      assert.deepEqual(box.labels, ["1", "2", "4"]);
      assert.deepEqual(
        box.datasets.map((d) => d.label),
        ["tip-adapter", "gda", "zero-shot"],
      );
      for (const d of box.datasets) {
        const want =
          d.label === "zero-shot"
            ? [s.top1, s.top1, s.top1]
            : ["1", "2", "4"].map((k) => s.fewshot[d.label][k].top1_mean);
        assert.deepEqual(d.data, want, `${box.strategy} ${d.label}`);
      }
      assert.deepEqual(box.rows[0], ["zero-shot", pct(s.top1), pct(s.top1), pct(s.top1)]);
      assert.deepEqual(box.rows[2], [
        "gda",
        ...["1", "2", "4"].map(
          (k) => `${pct(s.fewshot.gda[k].top1_mean)} ± ${pct(s.fewshot.gda[k].top1_std)}`,
        ),
      ]);
    }
  });
});
