/**
 * Chart.js, as the page and the reports load it: its UMD build in a `<script>` before ours
 * defines the global `Chart`. Only its types are imported, so nothing of it is bundled.
 */
import type { Chart as ChartClass } from "chart.js";

export type ChartJs = typeof ChartClass;

/** The global `Chart` constructor (read when called, after every script has loaded). */
export function chartJs(): ChartJs {
  const c = (globalThis as { Chart?: ChartJs }).Chart;
  if (!c) throw new Error("Chart.js is not loaded");
  return c;
}
