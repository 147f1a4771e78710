/**
 * The report's Chart.js charts: the strategy comparison (grouped by metric) and per-class
 * accuracy (horizontal bars when there are many classes), values written above small charts'
 * bars.
 */
import type { ChartOptions, Plugin, TooltipItem } from "chart.js";
import { chartJs } from "../chart.js";
import { byId } from "../dom.js";
import { METRICS, type ReportPageData } from "./data.js";
import { color, pct } from "./format.js";

/** Draws each bar's value above it (small charts only). */
const valueLabels: Plugin<"bar"> = {
  id: "zeroclipValueLabels",
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    chart.data.datasets.forEach((ds, d) => {
      const metaSet = chart.getDatasetMeta(d);
      if (metaSet.hidden) return;
      metaSet.data.forEach((bar, i) => {
        const v = ds.data[i];
        if (v === null || v === undefined) return;
        // Above the bar, or just inside its top when there is no room above.
        const inside = bar.y - 14 < chart.chartArea.top;
        ctx.fillStyle = inside ? "#ffffff" : "#1f2328";
        ctx.textBaseline = inside ? "top" : "bottom";
        ctx.fillText(pct(v as number, 1), bar.x, inside ? bar.y + 3 : bar.y - 2);
      });
    });
    ctx.restore();
  },
};

const percentAxis = { min: 0, max: 1, ticks: { callback: (v: string | number) => pct(+v, 0) } };

function common(): ChartOptions<"bar"> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      tooltip: {
        callbacks: {
          label: (ctx: TooltipItem<"bar">) => `${ctx.dataset.label}: ${pct(ctx.raw as number, 2)}`,
        },
      },
      legend: { position: "top" },
    },
  };
}

/** Strategy comparison: one colour per strategy, grouped by metric. */
export function drawStrategiesChart(data: ReportPageData): void {
  const ChartJs = chartJs();
  new ChartJs(byId<HTMLCanvasElement>("chart-strategies"), {
    type: "bar",
    data: {
      labels: METRICS.map((m) => m[1]),
      datasets: data.strategies.map((s, i) => ({
        label: s.name,
        backgroundColor: color(i),
        data: METRICS.map((m) => s[m[0]]),
      })),
    },
    options: { ...common(), scales: { y: percentAxis } },
    plugins: [valueLabels],
  });
}

/** Per-class accuracy: horizontal bars when there are many classes. */
export function drawPerClassChart(data: ReportPageData): void {
  const nClasses = data.classes.length;
  const horizontal = nClasses > 12;
  const box = byId("per-class-box");
  box.style.height = horizontal
    ? `${Math.max(320, nClasses * (8 + 9 * data.strategies.length) + 80)}px`
    : "340px";
  const scales = horizontal
    ? { x: percentAxis, y: { ticks: { autoSkip: false } } }
    : { y: percentAxis, x: { ticks: { autoSkip: false } } };
  const small = !horizontal && nClasses * data.strategies.length <= 40;
  const ChartJs = chartJs();
  new ChartJs(byId<HTMLCanvasElement>("chart-per-class"), {
    type: "bar",
    data: {
      labels: data.classes.slice(),
      datasets: data.strategies.map((s, i) => ({
        label: s.name,
        backgroundColor: color(i),
        data: s.per_class.slice(),
      })),
    },
    options: { ...common(), indexAxis: horizontal ? "y" : "x", scales },
    plugins: small ? [valueLabels] : [],
  });
}
