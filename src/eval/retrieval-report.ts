/**
 * The HTML report of a retrieval evaluation: the same page style as the classification report,
 * with a "Retrieval" section (recall@K in both directions as a table and bars, the contrastive
 * losses, the counts) and the images that failed. Static HTML: no script, no external resource;
 * every user string is escaped.
 */
import { writeFileAtomic } from "../util/atomic.js";
import { escapeHtml, pageHead } from "./report.js";
import { REPORT_CSS } from "./report-page.js";
import type { RetrievalResult } from "./retrieval-eval.js";

const EXTRA_CSS = `
table.summary td.bar { width: 240px; }
.bar span { display: block; height: 12px; background: #4e79a7; border-radius: 2px; }
dl.losses { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dl.losses dt { color: var(--muted); }
dl.losses dd { margin: 0; font-variant-numeric: tabular-nums; }
`;

export interface RetrievalReportOptions {
  title?: string;
  dataset?: string;
  model?: string;
  generated?: Date;
}

/** The retrieval section alone (an HTML fragment). */
export function retrievalSectionHtml(result: RetrievalResult): string {
  const m = result.metrics;
  const rows: string[] = [];
  for (const [name, r] of [
    ["image → text", m.image_to_text],
    ["text → image", m.text_to_image],
  ] as const) {
    for (const k of ["R@1", "R@5", "R@10"] as const) {
      const v = r[k];
      rows.push(
        `<tr><td>${name}</td><td>${k}</td><td class="num">${(v * 100).toFixed(2)}%</td>` +
          `<td class="bar"><span style="width:${(v * 100).toFixed(2)}%"></span></td></tr>`,
      );
    }
  }
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "n/a");
  return `<section id="retrieval"><h2>Retrieval</h2>
<p class="note">CLIP_benchmark's definitions: text → image counts a caption as found when its image is among the top K images; image → text counts an image as found when any of its captions is among the top K captions.</p>
<table class="summary"><thead><tr><th>direction</th><th>K</th><th>recall</th><th></th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
<h3>Contrastive loss (symmetric InfoNCE, logit scale ${escapeHtml(String(m.logit_scale))})</h3>
<dl class="losses">
<dt>all ${m.pairs} pairs as one batch</dt><dd>${fmt(m.contrastive_loss)}</dd>
<dt>mean over batches of ${m.batch_size} pairs</dt><dd>${fmt(m.batch_contrastive_loss)}</dd>
<dt>images / captions</dt><dd>${m.images} / ${m.captions}</dd>
</dl>
</section>`;
}

/** The complete page. */
export function renderRetrievalReportHtml(
  result: RetrievalResult,
  opts: RetrievalReportOptions = {},
): string {
  const title =
    opts.title ?? `zeroclip retrieval evaluation${opts.dataset ? `: ${opts.dataset}` : ""}`;
  const meta = [opts.model && `model ${opts.model}`, (opts.generated ?? new Date()).toISOString()]
    .filter(Boolean)
    .join(" · ");
  const failed =
    result.failed.length === 0
      ? `<p class="note">None.</p>`
      : `<table class="failed"><thead><tr><th>image</th><th>error</th></tr></thead><tbody>${result.failed
          .map((f) => `<tr><td>${escapeHtml(f.input)}</td><td>${escapeHtml(f.error)}</td></tr>`)
          .join("")}</tbody></table>`;
  return `${pageHead(title, REPORT_CSS + EXTRA_CSS)}
<header><h1 id="title">${escapeHtml(title)}</h1><p id="meta">${escapeHtml(meta)}</p></header>
<main>
${retrievalSectionHtml(result)}
<section id="failed"><h2>Images that failed</h2>${failed}</section>
</main>
</body>
</html>
`;
}

/** Write the report atomically. */
export async function writeRetrievalReport(
  path: string,
  result: RetrievalResult,
  opts: RetrievalReportOptions = {},
): Promise<void> {
  await writeFileAtomic(path, renderRetrievalReportHtml(result, opts));
}
