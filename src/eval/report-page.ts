/**
 * The report page's stylesheet and script. The script reads the JSON blob in
 * `<script id="report-data">` and draws everything from it; user strings are only ever set with
 * `textContent` or `setAttribute`, never parsed as HTML.
 */

export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 12px 0 6px; overflow-wrap: anywhere; }
#meta, .note { color: var(--muted); margin: 0 0 8px; overflow-wrap: anywhere; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.chart { position: relative; width: 100%; max-width: 900px; }
#strategies-box { height: 300px; flex: 1 1 420px; }
table { border-collapse: collapse; }
table.summary th, table.summary td, table.failed th, table.failed td {
  border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary td.best { font-weight: 700; }
table.summary td.spec { max-width: 340px; overflow-wrap: anywhere; color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
table.heatmap { font-size: 11px; font-variant-numeric: tabular-nums; }
table.heatmap th { font-weight: 500; color: var(--muted); padding: 2px 4px; white-space: nowrap;
  max-width: 140px; overflow: hidden; text-overflow: ellipsis; }
table.heatmap thead th { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left;
  max-height: 120px; max-width: none; }
table.heatmap thead th.corner { writing-mode: horizontal-tb; transform: none; vertical-align: bottom;
  text-align: right; font-size: 10px; }
table.heatmap th.row-label { text-align: right; }
table.heatmap td.zero { color: #9aa4ae; }
table.heatmap td { min-width: 28px; height: 24px; text-align: center; border: 1px solid #fff; }
table.heatmap td.diag { outline: 1px solid #2b8a3e; outline-offset: -2px; }
.heatmap-box { overflow-x: auto; max-width: 100%; }
.pair { margin: 6px 0 12px; }
.pair .what { margin-bottom: 4px; overflow-wrap: anywhere; }
.pair .count { color: var(--muted); }
.thumbs img { width: 72px; height: 72px; margin: 0 4px 4px 0; border: 1px solid var(--line);
  border-radius: 3px; image-rendering: auto; }
.pair-list { flex: 1 1 380px; max-width: 560px; }
`;

export const REPORT_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#bab0ac"];
  var HEATMAP_MAX_CLASSES = 40;
  var names = data.strategies.map(function (s) { return s.name; });

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pct(x, digits) {
    return x === null || x === undefined ? "n/a" : (x * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }
  function color(i) { return COLORS[i % COLORS.length]; }

  // Header line.
  var meta = [];
  if (data.dataset) meta.push("dataset " + data.dataset);
  if (data.model) meta.push("model " + data.model);
  meta.push(data.classes.length + " classes");
  meta.push(data.images.evaluated + " images scored");
  meta.push(data.images.failed + " failed");
  meta.push("generated " + data.generated);
  document.getElementById("meta").textContent = meta.join(" · ");

  // Summary table.
  var METRICS = [["top1", "top-1"], ["top5", "top-5"], ["mean_per_class_recall", "mean per-class recall"]];
  var best = {};
  METRICS.forEach(function (m) {
    var vals = data.strategies.map(function (s) { return s[m[0]]; }).filter(function (v) { return v !== null; });
    best[m[0]] = vals.length ? Math.max.apply(null, vals) : null;
  });
  var table = el("table", { class: "summary", id: "summary-metrics" });
  var head = el("tr");
  ["strategy", "prompts", "top-1", "top-5", "mean per-class recall", "images", "texts"].forEach(function (h) {
    head.appendChild(el("th", null, h));
  });
  table.appendChild(el("thead")).appendChild(head);
  var body = table.appendChild(el("tbody"));
  data.strategies.forEach(function (s, i) {
    var tr = el("tr", { "data-strategy": s.name });
    var name = el("td");
    name.appendChild(el("span", { class: "swatch", style: "background:" + color(i) }));
    name.appendChild(document.createTextNode(s.name));
    tr.appendChild(name);
    tr.appendChild(el("td", { class: "spec" }, s.spec));
    METRICS.forEach(function (m) {
      var v = s[m[0]];
      var isBest = v !== null && data.strategies.length > 1 && v === best[m[0]];
      tr.appendChild(el("td", { class: "num" + (isBest ? " best" : ""), "data-metric": m[0] }, pct(v, 2)));
    });
    tr.appendChild(el("td", { class: "num" }, String(s.count)));
    tr.appendChild(el("td", { class: "num" }, String(s.texts)));
    body.appendChild(tr);
  });
  document.getElementById("summary-table").appendChild(table);

  // Draws each bar's value above it (small charts only).
  var valueLabels = {
    id: "zeroclipValueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillStyle = "#1f2328";
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      chart.data.datasets.forEach(function (ds, d) {
        var metaSet = chart.getDatasetMeta(d);
        if (metaSet.hidden) return;
        metaSet.data.forEach(function (bar, i) {
          var v = ds.data[i];
          if (v === null || v === undefined) return;
          // Above the bar, or just inside its top when there is no room above.
          var inside = bar.y - 14 < chart.chartArea.top;
          ctx.fillStyle = inside ? "#ffffff" : "#1f2328";
          ctx.textBaseline = inside ? "top" : "bottom";
          ctx.fillText(pct(v, 1), bar.x, inside ? bar.y + 3 : bar.y - 2);
        });
      });
      ctx.restore();
    }
  };
  var percentAxis = { min: 0, max: 1, ticks: { callback: function (v) { return pct(v, 0); } } };
  function tooltipPct(ctx) { return ctx.dataset.label + ": " + pct(ctx.raw, 2); }
  var common = {
    animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { tooltip: { callbacks: { label: tooltipPct } }, legend: { position: "top" } }
  };

  // Strategy comparison: one colour per strategy, grouped by metric.
  new Chart(document.getElementById("chart-strategies"), {
    type: "bar",
    data: {
      labels: METRICS.map(function (m) { return m[1]; }),
      datasets: data.strategies.map(function (s, i) {
        return { label: s.name, backgroundColor: color(i),
          data: METRICS.map(function (m) { return s[m[0]]; }) };
      })
    },
    options: Object.assign({}, common, { scales: { y: percentAxis } }),
    plugins: [valueLabels]
  });

  // Per-class accuracy: horizontal bars when there are many classes.
  var horizontal = data.classes.length > 12;
  var perClassBox = document.getElementById("per-class-box");
  perClassBox.style.height = horizontal
    ? Math.max(320, data.classes.length * (8 + 9 * data.strategies.length) + 80) + "px"
    : "340px";
  var perClassScales = horizontal
    ? { x: percentAxis, y: { ticks: { autoSkip: false } } }
    : { y: percentAxis, x: { ticks: { autoSkip: false } } };
  new Chart(document.getElementById("chart-per-class"), {
    type: "bar",
    data: {
      labels: data.classes.slice(),
      datasets: data.strategies.map(function (s, i) {
        return { label: s.name, backgroundColor: color(i), data: s.per_class.slice() };
      })
    },
    options: Object.assign({}, common, { indexAxis: horizontal ? "y" : "x", scales: perClassScales }),
    plugins: !horizontal && data.classes.length * data.strategies.length <= 40 ? [valueLabels] : []
  });

  // Confusion heatmaps (HTML tables), shaded by row share.
  function shownClasses(confusion) {
    var n = data.classes.length;
    var all = [];
    for (var i = 0; i < n; i++) all.push(i);
    if (n <= HEATMAP_MAX_CLASSES) return all;
    var errors = all.map(function () { return 0; });
    confusion.forEach(function (row, t) {
      row.forEach(function (c, p) { if (t !== p) { errors[t] += c; errors[p] += c; } });
    });
    return all.slice().sort(function (a, b) { return errors[b] - errors[a] || a - b; })
      .slice(0, HEATMAP_MAX_CLASSES).sort(function (a, b) { return a - b; });
  }
  function shade(share) {
    var light = Math.round(97 - share * 62);
    return "hsl(212, 70%, " + light + "%)";
  }
  var heatmaps = document.getElementById("heatmaps");
  data.strategies.forEach(function (s) {
    var box = el("div", { class: "heatmap-box" });
    box.appendChild(el("h3", null, s.name));
    var shown = shownClasses(s.confusion);
    if (shown.length < data.classes.length) {
      box.appendChild(el("p", { class: "note" }, "The " + shown.length + " of " + data.classes.length +
        " classes involved in the most errors."));
    }
    var t = el("table", { class: "heatmap", "data-strategy": s.name });
    var hr = el("tr");
    hr.appendChild(el("th", { class: "corner" }, "true \u2193 / predicted \u2192"));
    shown.forEach(function (c) { hr.appendChild(el("th", { title: data.classes[c] }, data.classes[c])); });
    t.appendChild(el("thead")).appendChild(hr);
    var tb = t.appendChild(el("tbody"));
    shown.forEach(function (ti) {
      var row = s.confusion[ti];
      var total = row.reduce(function (a, b) { return a + b; }, 0);
      var tr = el("tr");
      tr.appendChild(el("th", { class: "row-label", title: data.classes[ti] }, data.classes[ti]));
      shown.forEach(function (pi) {
        var n = row[pi];
        var share = total ? n / total : 0;
        var td = el("td", {
          "data-true": ti, "data-pred": pi, class: (ti === pi ? "diag" : "") + (n === 0 ? " zero" : ""),
          title: data.classes[ti] + " \u2192 " + data.classes[pi] + ": " + n + (total ? " (" + pct(share, 1) + " of row)" : "")
        }, String(n));
        td.style.background = shade(share);
        if (n > 0) td.style.color = share > 0.55 ? "#fff" : "#1f2328";
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
    box.appendChild(t);
    heatmaps.appendChild(box);
  });

  // Most confused pairs with example thumbnails.
  var pairLists = document.getElementById("pair-lists");
  data.strategies.forEach(function (s) {
    var box = el("div", { class: "pair-list", "data-strategy": s.name });
    box.appendChild(el("h3", null, s.name));
    if (s.pairs.length === 0) box.appendChild(el("p", { class: "note" }, "No confusions."));
    s.pairs.forEach(function (p) {
      var div = el("div", { class: "pair" });
      var what = el("div", { class: "what" });
      what.appendChild(el("strong", null, data.classes[p.actual]));
      what.appendChild(document.createTextNode(" taken for "));
      what.appendChild(el("strong", null, data.classes[p.predicted]));
      what.appendChild(el("span", { class: "count" }, " \u2014 " + p.count + (p.count === 1 ? " image" : " images")));
      div.appendChild(what);
      var thumbs = el("div", { class: "thumbs" });
      p.examples.forEach(function (id) {
        var th = data.thumbs[id];
        if (!th) return;
        thumbs.appendChild(el("img", { src: th.src, alt: th.input, title: th.input }));
      });
      div.appendChild(thumbs);
      box.appendChild(div);
    });
    pairLists.appendChild(box);
  });

  // Failed images.
  var failed = document.getElementById("failed-list");
  if (data.failed.length === 0) {
    failed.appendChild(el("p", { class: "note" }, "None: every image was read and scored."));
  } else {
    failed.appendChild(el("p", { class: "note" }, data.failed.length +
      " images could not be read; they are left out of every metric."));
    var ft = el("table", { class: "failed" });
    var fh = el("tr");
    ["image", "label", "error"].forEach(function (h) { fh.appendChild(el("th", null, h)); });
    ft.appendChild(el("thead")).appendChild(fh);
    var fb = ft.appendChild(el("tbody"));
    data.failed.forEach(function (f) {
      var tr = el("tr");
      tr.appendChild(el("td", null, f.input));
      tr.appendChild(el("td", null, f.label));
      tr.appendChild(el("td", null, f.error));
      fb.appendChild(tr);
    });
    failed.appendChild(ft);
  }
})();
`;
