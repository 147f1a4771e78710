/**
 * The report's HTML tables: a confusion heatmap per strategy (shaded by the share of the row),
 * the most confused pairs with example thumbnails, and the images that failed.
 */
import { byId, el } from "../dom.js";
import type { ReportPageData, StrategyPageData } from "./data.js";
import { pct, shade, shownClasses } from "./format.js";

function heatmap(data: ReportPageData, s: StrategyPageData): HTMLElement {
  const classes = data.classes;
  const box = el("div", { class: "heatmap-box" });
  box.appendChild(el("h3", null, s.name));
  const shown = shownClasses(s.confusion, classes.length);
  if (shown.length < classes.length) {
    const note = `The ${shown.length} of ${classes.length} classes involved in the most errors.`;
    box.appendChild(el("p", { class: "note" }, note));
  }
  const t = el("table", { class: "heatmap", "data-strategy": s.name });
  const hr = el("tr");
  hr.appendChild(el("th", { class: "corner" }, "true \u2193 / predicted \u2192"));
  for (const c of shown) hr.appendChild(el("th", { title: classes[c] }, classes[c]));
  t.appendChild(el("thead")).appendChild(hr);
  const tb = t.appendChild(el("tbody"));
  for (const ti of shown) {
    const row = s.confusion[ti];
    const total = row.reduce((a, b) => a + b, 0);
    const tr = el("tr");
    tr.appendChild(el("th", { class: "row-label", title: classes[ti] }, classes[ti]));
    for (const pi of shown) {
      const n = row[pi];
      const share = total ? n / total : 0;
      const ofRow = total ? ` (${pct(share, 1)} of row)` : "";
      const td = el(
        "td",
        {
          "data-true": ti,
          "data-pred": pi,
          class: (ti === pi ? "diag" : "") + (n === 0 ? " zero" : ""),
          title: `${classes[ti]} \u2192 ${classes[pi]}: ${n}${ofRow}`,
        },
        String(n),
      );
      td.style.background = shade(share);
      if (n > 0) td.style.color = share > 0.55 ? "#fff" : "#1f2328";
      tr.appendChild(td);
    }
    tb.appendChild(tr);
  }
  box.appendChild(t);
  return box;
}

export function drawHeatmaps(data: ReportPageData): void {
  const heatmaps = byId("heatmaps");
  for (const s of data.strategies) heatmaps.appendChild(heatmap(data, s));
}

/** Most confused pairs with example thumbnails. */
export function drawPairs(data: ReportPageData): void {
  const pairLists = byId("pair-lists");
  for (const s of data.strategies) {
    const box = el("div", { class: "pair-list", "data-strategy": s.name });
    box.appendChild(el("h3", null, s.name));
    if (s.pairs.length === 0) box.appendChild(el("p", { class: "note" }, "No confusions."));
    for (const p of s.pairs) {
      const div = el("div", { class: "pair" });
      const what = el("div", { class: "what" });
      what.appendChild(el("strong", null, data.classes[p.actual]));
      what.appendChild(document.createTextNode(" taken for "));
      what.appendChild(el("strong", null, data.classes[p.predicted]));
      const count = ` \u2014 ${p.count}${p.count === 1 ? " image" : " images"}`;
      what.appendChild(el("span", { class: "count" }, count));
      div.appendChild(what);
      const thumbs = el("div", { class: "thumbs" });
      for (const id of p.examples) {
        const th = data.thumbs[id];
        if (th) thumbs.appendChild(el("img", { src: th.src, alt: th.input, title: th.input }));
      }
      div.appendChild(thumbs);
      box.appendChild(div);
    }
    pairLists.appendChild(box);
  }
}

/** The images that failed, left out of every metric. */
export function drawFailed(data: ReportPageData): void {
  const failed = byId("failed-list");
  if (data.failed.length === 0) {
    failed.appendChild(el("p", { class: "note" }, "None: every image was read and scored."));
    return;
  }
  const note = `${data.failed.length} images could not be read; they are left out of every metric.`;
  failed.appendChild(el("p", { class: "note" }, note));
  const ft = el("table", { class: "failed" });
  const fh = el("tr");
  for (const h of ["image", "label", "error"]) fh.appendChild(el("th", null, h));
  ft.appendChild(el("thead")).appendChild(fh);
  const fb = ft.appendChild(el("tbody"));
  for (const f of data.failed) {
    const tr = el("tr");
    tr.appendChild(el("td", null, f.input));
    tr.appendChild(el("td", null, f.label));
    tr.appendChild(el("td", null, f.error));
    fb.appendChild(tr);
  }
  failed.appendChild(ft);
}
