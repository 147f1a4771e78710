/**
 * The report's few-shot section: per strategy, top-1 accuracy versus shots per class for each
 * adapter, with the strategy's zero-shot accuracy as a dashed baseline (the papers' standard
 * figure), and the numbers (mean ± standard deviation over the seeds) in a table. Like the rest
 * of the page, it is drawn from the JSON blob by the report's script
 * (src/browser/report/fewshot.ts); user strings only reach it through textContent.
 */
import type { FewShotPageData } from "../browser/report/data.js";
import type { FewShotResult } from "./fewshot.js";

/** What the page needs for the section (`ReportData.fewshot`): what its script reads. */
export type FewShotReportData = FewShotPageData;

export function fewShotReportData(fs: FewShotResult): FewShotReportData {
  return {
    train: fs.setup.train,
    shots: [...fs.setup.shots],
    seeds: [...fs.setup.seeds],
    strategies: fs.strategies.map((s) => ({
      name: s.name,
      zero_shot: s.zeroShotTop1,
      methods: s.methods.map((m) => ({
        method: m.method,
        mean: m.points.map((p) => p.top1Mean),
        std: m.points.map((p) => p.top1Std),
      })),
    })),
  };
}

export const FEWSHOT_SECTION = `<section id="fewshot"><h2>Few-shot: accuracy versus shots</h2>
<p class="note" id="fewshot-note"></p>
<div id="fewshot-charts" class="row"></div></section>`;

export const FEWSHOT_CSS = `
.fewshot-box { flex: 1 1 420px; max-width: 620px; }
.fewshot-box .chart { height: 300px; }
table.fewshot { border-collapse: collapse; margin-top: 6px; font-size: 12px; font-variant-numeric: tabular-nums; }
table.fewshot th, table.fewshot td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: right;
  white-space: nowrap; }
table.fewshot th:first-child, table.fewshot td:first-child { text-align: left; }
`;
