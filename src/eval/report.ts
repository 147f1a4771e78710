/**
 * The HTML report: one self-contained page (Chart.js inlined, thumbnails as data: URIs, all data
 * in one JSON blob that the page's script reads to draw everything). User strings reach the page
 * only through that blob and `textContent`, or escaped, so labels and paths cannot inject HTML.
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { REPORT_SCRIPT } from "../browser/bundles.generated.js";
import type { ReportPageData, StrategyPageData } from "../browser/report/data.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { EvalResult } from "./evaluate.js";
import type { ClassExplanations } from "./explanations.js";
import type { FewShotResult } from "./fewshot.js";
import { mostConfusedPairs } from "./metrics.js";
import {
  FEWSHOT_CSS,
  FEWSHOT_SECTION,
  type FewShotReportData,
  fewShotReportData,
} from "./report-fewshot.js";
import { REPORT_CSS } from "./report-page.js";
import { type ThumbnailOptions, thumbnails } from "./thumbnails.js";

/**
 * Everything the page shows; embedded as JSON in `<script id="report-data">`, which the
 * report's script (src/browser/report/) reads as a `ReportPageData` (checked where it is written).
 */
export interface ReportData {
  title: string;
  generated: string;
  dataset?: string;
  model?: string;
  classes: string[];
  images: { total: number; evaluated: number; failed: number; computed?: number; cached?: number };
  strategies: (StrategyPageData & {
    /** Per true class: the texts behind correct predictions and the most frequent confusion. */
    explanations?: ClassExplanations[];
  })[];
  /** Example images by id: a thumbnail data: URI and the image's path. */
  thumbs: Record<string, { src: string; input: string }>;
  failed: { input: string; label: string; error: string }[];
  /** Accuracy versus shots per strategy (`eval --train`). */
  fewshot?: FewShotReportData;
}

export interface ReportOptions extends ThumbnailOptions {
  title?: string;
  dataset?: string;
  model?: string;
  /** Confused pairs listed per strategy (default 8). */
  pairs?: number;
  /** Example thumbnails per pair (default 4). */
  examples?: number;
  /** Timestamp shown in the page (default now). */
  generated?: Date;
  /** Few-shot results to chart (`evaluateFewShot`). */
  fewshot?: FewShotResult;
}

/** Gather the report's data, making thumbnails of the example images. */
export async function buildReportData(
  result: EvalResult,
  opts: ReportOptions = {},
): Promise<ReportData> {
  const nPairs = opts.pairs ?? 8;
  const nExamples = opts.examples ?? 4;
  const wanted: string[] = [];
  const strategies = result.strategies.map((s) => {
    const pairs = mostConfusedPairs(s.metrics.confusion, nPairs).map((p) => {
      const examples: string[] = [];
      for (const pred of s.predictions) {
        if (examples.length >= nExamples) break;
        const img = result.evaluated[pred.image];
        if (img.label === p.actual && pred.ranking[0] === p.predicted) {
          examples.push(img.path);
          wanted.push(img.path);
        }
      }
      return { ...p, examples };
    });
    return {
      name: s.name,
      spec: `${s.kind}:${s.arg}`,
      count: s.metrics.count,
      texts: s.texts,
      top1: s.metrics.top1,
      top5: s.metrics.top5,
      mean_per_class_recall: s.metrics.meanPerClassRecall,
      per_class: [...s.metrics.perClass],
      confusion: s.metrics.confusion.map((r) => [...r]),
      pairs,
      explanations: s.explanations,
    };
  });
  const thumbByPath = await thumbnails(wanted, opts);
  const ids = new Map<string, string>();
  const thumbs: ReportData["thumbs"] = {};
  for (const [path, src] of thumbByPath) {
    const id = `t${ids.size}`;
    ids.set(path, id);
    thumbs[id] = { src, input: path };
  }
  for (const s of strategies) {
    for (const p of s.pairs) {
      p.examples = p.examples.map((path) => ids.get(path)).filter((id): id is string => !!id);
    }
  }
  const total = result.evaluated.length + result.failed.length;
  return {
    title: opts.title ?? `zeroclip evaluation${opts.dataset ? `: ${opts.dataset}` : ""}`,
    generated: (opts.generated ?? new Date()).toISOString(),
    dataset: opts.dataset,
    model: opts.model,
    classes: [...result.classes],
    images: {
      total,
      evaluated: result.evaluated.length,
      failed: result.failed.length,
      computed: result.imagePass.computed,
      cached: result.imagePass.cached,
    },
    strategies,
    thumbs,
    failed: result.failed.map((f) => ({
      input: f.input,
      label: result.classes[f.label],
      error: f.error,
    })),
    fewshot: opts.fewshot ? fewShotReportData(opts.fewshot) : undefined,
  };
}

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/**
 * JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the JS line separators are
 * written as \u escapes, so no `</script>` or `<!--` can appear in it.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Make inline JavaScript safe inside a `<script>` element (`</script` cannot end it early). */
export function scriptSafeCode(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

let chartSource: string | undefined;

/** Chart.js's UMD build (minified when present), read from the installed package. */
export async function chartJsSource(): Promise<string> {
  if (chartSource !== undefined) return chartSource;
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve("chart.js"));
  for (const file of ["chart.umd.min.js", "chart.umd.js"]) {
    try {
      chartSource = await readFile(join(dist, file), "utf8");
      return chartSource;
    } catch {
      // try the next build
    }
  }
  throw new Error(`Chart.js UMD build not found in ${dist}`);
}

/** The start of a zeroclip page, up to and including `<body>`: title (escaped) and styles. */
export function pageHead(title: string, css: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="zeroclip">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>`;
}

/** The complete page. */
export function renderReportHtml(data: ReportData, chartJs: string): string {
  return `${pageHead(data.title, REPORT_CSS + (data.fewshot ? FEWSHOT_CSS : ""))}
<header><h1 id="title">${escapeHtml(data.title)}</h1><p id="meta"></p></header>
<noscript><p>This report draws its charts with JavaScript; enable it to see them.</p></noscript>
<main>
<section id="summary"><h2>Strategies</h2>
<div class="row"><div id="summary-table"></div>
<div class="chart" id="strategies-box"><canvas id="chart-strategies" aria-label="Strategy comparison"></canvas></div></div>
</section>
${data.fewshot ? FEWSHOT_SECTION : ""}
<section id="per-class"><h2>Per-class accuracy</h2><p class="note">Recall of each true class: the fraction of its images predicted as that class.</p>
<div class="chart" id="per-class-box"><canvas id="chart-per-class" aria-label="Per-class accuracy"></canvas></div>
</section>
<section id="confusion"><h2>Confusion matrices</h2><p class="note">Rows are true classes, columns predicted classes; cells hold image counts, shaded by the share of the row.</p><div id="heatmaps" class="row"></div></section>
<section id="pairs"><h2>Most confused pairs</h2><div id="pair-lists" class="row"></div></section>
${explanationsSection(data)}<section id="failed"><h2>Images that failed</h2><div id="failed-list"></div></section>
</main>
<script id="report-data" type="application/json">${scriptSafeJson(data satisfies ReportPageData)}</script>
<script>${scriptSafeCode(chartJs)}</script>
<script>${scriptSafeCode(REPORT_SCRIPT)}</script>
</body>
</html>
`;
}

/**
 * Static HTML (no script needed): per strategy, per true class, the texts most often behind its
 * correct predictions and behind its most frequent confusion, with image counts.
 */
function explanationsSection(data: ReportData): string {
  const withExp = data.strategies.filter((s) => s.explanations);
  if (withExp.length === 0) return "";
  const list = (texts: { text: string; count: number }[]) =>
    texts.length === 0
      ? "—"
      : `<ul>${texts.map((t) => `<li>${escapeHtml(t.text)} <span class="note">(${t.count})</span></li>`).join("")}</ul>`;
  const tables = withExp.map((s) => {
    const rows = (s.explanations ?? []).map((e, c) => {
      const conf = e.confusion
        ? `as <b>${escapeHtml(data.classes[e.confusion.predicted])}</b> (${e.confusion.images} images)${list(e.confusion.texts)}`
        : "—";
      return `<tr><td>${escapeHtml(data.classes[c])}</td><td>${list(e.correct)}</td><td>${conf}</td></tr>`;
    });
    return `<h3>${escapeHtml(s.name)}</h3><table class="explanations"><thead><tr><th>class</th><th>texts behind correct predictions</th><th>most frequent confusion, and the texts behind it</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  });
  return `<section id="explanations"><h2>Explanations</h2><p class="note">An image's explanation is the text of its predicted class whose embedding is closest to the image (counts of images in brackets).</p>${tables.join("\n")}</section>
`;
}

/** Build and write the report atomically. */
export async function writeReport(
  path: string,
  result: EvalResult,
  opts: ReportOptions = {},
): Promise<void> {
  const data = await buildReportData(result, opts);
  await writeFileAtomic(path, renderReportHtml(data, await chartJsSource()));
}
