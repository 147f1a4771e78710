/**
 * The report's few-shot section (`eval --train`): per strategy, top-1 accuracy versus shots per
 * class for each adapter with the zero-shot accuracy as a dashed baseline, and the numbers
 * (mean ± standard deviation over the seeds) in a table under the chart.
 */
import type { ChartDataset, TooltipItem } from "chart.js";
import { chartJs } from "../chart.js";
import { byId, el } from "../dom.js";
import type { FewShotPageData } from "./data.js";
import { color } from "./format.js";

/** A line with its points' standard deviations, shown in the tooltip. */
type LineWithStd = ChartDataset<"line", number[]> & { std?: number[] };

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function chart(
  canvas: HTMLCanvasElement,
  fs: FewShotPageData,
  s: FewShotPageData["strategies"][0],
) {
  const datasets: LineWithStd[] = s.methods.map((m, i) => ({
    label: m.method,
    data: m.mean.slice(),
    borderColor: color(i),
    backgroundColor: color(i),
    std: m.std.slice(),
    tension: 0,
    pointRadius: 4,
  }));
  datasets.push({
    label: "zero-shot",
    data: fs.shots.map(() => s.zero_shot),
    borderColor: "#59636e",
    backgroundColor: "#59636e",
    borderDash: [6, 4],
    pointRadius: 0,
  });
  const label = (ctx: TooltipItem<"line">) => {
    const std = (ctx.dataset as LineWithStd).std;
    return `${ctx.dataset.label}: ${pct(ctx.raw as number)}${std ? ` ± ${pct(std[ctx.dataIndex])}` : ""}`;
  };
  const ChartJs = chartJs();
  new ChartJs(canvas, {
    type: "line",
    data: { labels: fs.shots.map(String), datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { title: { display: true, text: "labelled images per class (shots)" } },
        y: {
          min: 0,
          max: 1,
          title: { display: true, text: "top-1 accuracy" },
          ticks: { callback: (v) => `${(Number(v) * 100).toFixed(0)}%` },
        },
      },
      plugins: { tooltip: { callbacks: { label } } },
    },
  });
}

function table(fs: FewShotPageData, s: FewShotPageData["strategies"][0]): HTMLTableElement {
  const t = el("table", { class: "fewshot", "data-strategy": s.name });
  const hr = el("tr");
  hr.appendChild(el("th", null, "method"));
  for (const k of fs.shots) hr.appendChild(el("th", null, `${k}-shot`));
  t.appendChild(el("thead")).appendChild(hr);
  const tb = t.appendChild(el("tbody"));
  const zr = el("tr");
  zr.appendChild(el("td", null, "zero-shot"));
  for (const _ of fs.shots) zr.appendChild(el("td", null, pct(s.zero_shot)));
  tb.appendChild(zr);
  for (const m of s.methods) {
    const tr = el("tr", { "data-method": m.method });
    tr.appendChild(el("td", null, m.method));
    m.mean.forEach((x, i) => {
      tr.appendChild(el("td", null, `${pct(x)} ± ${pct(m.std[i])}`));
    });
    tb.appendChild(tr);
  }
  return t;
}

export function drawFewShot(fs: FewShotPageData): void {
  byId("fewshot-note").textContent =
    `Top-1 on the test images after adapting to K labelled images per class drawn from ${fs.train}` +
    ` (mean over seeds ${fs.seeds.join(", ")}; hover for the standard deviation). ` +
    "The dashed line is the strategy's zero-shot accuracy.";
  const box = byId("fewshot-charts");
  fs.strategies.forEach((s, si) => {
    const div = el("div", { class: "fewshot-box", "data-strategy": s.name });
    div.appendChild(el("h3", null, s.name));
    const chartBox = el("div", { class: "chart" });
    const canvas = el("canvas", {
      id: `chart-fewshot-${si}`,
      "aria-label": `Accuracy versus shots: ${s.name}`,
    });
    chartBox.appendChild(canvas);
    div.appendChild(chartBox);
    chart(canvas, fs, s);
    div.appendChild(table(fs, s));
    box.appendChild(div);
  });
}
