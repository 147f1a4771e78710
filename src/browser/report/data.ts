/**
 * What the HTML report's script reads from the page's JSON blob (`<script id="report-data">`).
 * Types only, no DOM: src/eval/report.ts checks at compile time that the `ReportData` it writes
 * satisfies `ReportPageData`, so the writer and the reader cannot drift apart.
 */

export interface StrategyPageData {
  name: string;
  spec: string;
  count: number;
  texts: number;
  top1: number;
  top5: number | null;
  mean_per_class_recall: number;
  /** Aligned with `classes`; null for a class without scored images. */
  per_class: (number | null)[];
  /** confusion[t][p] over `classes`. */
  confusion: number[][];
  /** Most confused (true, predicted) class index pairs with example thumbnail ids. */
  pairs: { actual: number; predicted: number; count: number; examples: string[] }[];
}

export interface FewShotPageData {
  train: string;
  shots: number[];
  seeds: number[];
  strategies: {
    name: string;
    zero_shot: number;
    methods: { method: string; mean: number[]; std: number[] }[];
  }[];
}

export interface ReportPageData {
  dataset?: string;
  model?: string;
  generated: string;
  classes: string[];
  images: { evaluated: number; failed: number };
  strategies: StrategyPageData[];
  thumbs: Record<string, { src: string; input: string }>;
  failed: { input: string; label: string; error: string }[];
  fewshot?: FewShotPageData;
}

/** The metrics of the summary table and the strategy chart: field and column name. */
export const METRICS = [
  ["top1", "top-1"],
  ["top5", "top-5"],
  ["mean_per_class_recall", "mean per-class recall"],
] as const;

export type MetricKey = (typeof METRICS)[number][0];
