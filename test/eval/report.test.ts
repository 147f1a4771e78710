import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { EvalResult } from "../../src/eval/evaluate.js";
import { classificationMetrics } from "../../src/eval/metrics.js";
import {
  buildReportData,
  chartJsSource,
  escapeHtml,
  renderReportHtml,
  scriptSafeJson,
} from "../../src/eval/report.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { reportData } from "./recompute.js";

const EVIL = [
  "</script><script>window.__pwned=1</script>",
  '<img src=x onerror="window.__pwned=2">',
];

describe("eval report", () => {
  let dir: string;
  let ds: GeneratedDataset;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-report-"));
    ds = await writeColourDataset(join(dir, "set"), { perClass: 2, corrupt: false });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function fakeResult(): EvalResult {
    const classes = [EVIL[0], EVIL[1], "plain & simple"];
    const evaluated = ds.images.slice(0, 6).map((img, i) => ({ path: img.path, label: i % 3 }));
    const rankings = evaluated.map((_, i) => [(i + 1) % 3, i % 3, (i + 2) % 3]);
    return {
      classes,
      evaluated,
      failed: [
        {
          input: `${dir}/"<b>bad</b>".jpg`,
          label: 0,
          code: "image_unreadable",
          error: "corrupt image (<x>)",
        },
      ],
      strategies: [
        {
          name: "<i>s</i>",
          kind: "single",
          arg: "a photo of a {}.",
          texts: 3,
          metrics: classificationMetrics(
            evaluated.map((e) => e.label),
            rankings,
            3,
          ),
          predictions: rankings.map((ranking, image) => ({ image, ranking })),
        },
      ],
      imagePass: { computed: 6, cached: 0, failed: 1 },
    };
  }

  it("escapes user strings and keeps them intact in the data blob", async () => {
    const data = await buildReportData(fakeResult(), { dataset: "<dataset>", model: "m" });
    const html = renderReportHtml(data, await chartJsSource());
    assert.equal(html.match(/<script/g)?.length, 3); // data blob, Chart.js, the page script
    assert.equal(html.match(/<\/script>/gi)?.length, 3);
    assert.doesNotMatch(html, /<img src=x/);
    assert.doesNotMatch(html, /<b>bad/);
    assert.match(html, /<title>zeroclip evaluation: &lt;dataset&gt;<\/title>/);
    const back = reportData(html) as unknown as typeof data;
    assert.deepEqual(back, JSON.parse(JSON.stringify(data)));
    assert.equal(back.classes[0], EVIL[0]);
    assert.equal(back.failed[0].error, "corrupt image (<x>)");
  });

  it("picks confused pairs with example thumbnails", async () => {
    const data = await buildReportData(fakeResult(), { pairs: 2, examples: 1 });
    const s = data.strategies[0];
    assert.equal(s.pairs.length, 2);
    for (const p of s.pairs) {
      assert.equal(p.examples.length, 1);
      const thumb = data.thumbs[p.examples[0]];
      assert.match(thumb.src, /^data:image\/jpeg;base64,/);
      const img = fakeResult().evaluated.find((e) => e.path === thumb.input)!;
      assert.equal(img.label, p.actual);
    }
  });

  it("helpers", () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
    const json = scriptSafeJson({ s: "</script><!-- \u2028" });
    assert.doesNotMatch(json, /[<>\u2028]/);
    assert.deepEqual(JSON.parse(json), { s: "</script><!-- \u2028" });
  });
});
