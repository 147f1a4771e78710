/**
 * The report's few-shot section: per strategy, top-1 accuracy versus shots per class for each
 * adapter, with the strategy's zero-shot accuracy as a dashed baseline (the papers' standard
 * figure), and the numbers (mean ± standard deviation over the seeds) in a table. Like the rest
 * of the page, it is drawn from the JSON blob; user strings only reach it through textContent.
 */
import type { FewShotResult } from "./fewshot.js";

/** What the page needs for the section (`ReportData.fewshot`). */
export interface FewShotReportData {
  train: string;
  shots: number[];
  seeds: number[];
  strategies: {
    name: string;
    zero_shot: number;
    methods: { method: string; mean: number[]; std: number[] }[];
  }[];
}

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

export const FEWSHOT_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var fs = data.fewshot;
  if (!fs) return;
  var COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"];
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pct(x) { return (x * 100).toFixed(2) + "%"; }
  document.getElementById("fewshot-note").textContent =
    "Top-1 on the test images after adapting to K labelled images per class drawn from " + fs.train +
    " (mean over seeds " + fs.seeds.join(", ") + "; hover for the standard deviation). " +
    "The dashed line is the strategy's zero-shot accuracy.";
  var box = document.getElementById("fewshot-charts");
  fs.strategies.forEach(function (s, si) {
    var div = el("div", { class: "fewshot-box", "data-strategy": s.name });
    div.appendChild(el("h3", null, s.name));
    var chartBox = el("div", { class: "chart" });
    var canvas = el("canvas", { id: "chart-fewshot-" + si, "aria-label": "Accuracy versus shots: " + s.name });
    chartBox.appendChild(canvas);
    div.appendChild(chartBox);
    var datasets = s.methods.map(function (m, i) {
      return { label: m.method, data: m.mean.slice(), borderColor: COLORS[i % COLORS.length],
        backgroundColor: COLORS[i % COLORS.length], std: m.std.slice(), tension: 0, pointRadius: 4 };
    });
    datasets.push({ label: "zero-shot", data: fs.shots.map(function () { return s.zero_shot; }),
      borderColor: "#59636e", backgroundColor: "#59636e", borderDash: [6, 4], pointRadius: 0 });
    new Chart(canvas, {
      type: "line",
      data: { labels: fs.shots.map(String), datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: "labelled images per class (shots)" } },
          y: { min: 0, max: 1, title: { display: true, text: "top-1 accuracy" },
            ticks: { callback: function (v) { return (v * 100).toFixed(0) + "%"; } } }
        },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          var std = ctx.dataset.std ? " ± " + pct(ctx.dataset.std[ctx.dataIndex]) : "";
          return ctx.dataset.label + ": " + pct(ctx.raw) + std;
        } } } }
      }
    });
    var t = el("table", { class: "fewshot", "data-strategy": s.name });
    var hr = el("tr");
    hr.appendChild(el("th", null, "method"));
    fs.shots.forEach(function (k) { hr.appendChild(el("th", null, k + "-shot")); });
    t.appendChild(el("thead")).appendChild(hr);
    var tb = t.appendChild(el("tbody"));
    var zr = el("tr");
    zr.appendChild(el("td", null, "zero-shot"));
    fs.shots.forEach(function () { zr.appendChild(el("td", null, pct(s.zero_shot))); });
    tb.appendChild(zr);
    s.methods.forEach(function (m) {
      var tr = el("tr", { "data-method": m.method });
      tr.appendChild(el("td", null, m.method));
      m.mean.forEach(function (x, i) { tr.appendChild(el("td", null, pct(x) + " ± " + pct(m.std[i]))); });
      tb.appendChild(tr);
    });
    div.appendChild(t);
    box.appendChild(div);
  });
})();
`;
