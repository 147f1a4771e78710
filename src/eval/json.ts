/** The machine-readable form of an evaluation (`zeroclip eval --format json`). Pure. */

import type { InputFailure } from "../util/errors.js";
import type { EvalResult } from "./evaluate.js";
import type { FewShotResult } from "./fewshot.js";
import { type FewShotJson, fewShotJson } from "./fewshot-json.js";

export interface StrategyJson {
  kind: string;
  spec: string;
  /** Images scored (failed images excluded). */
  count: number;
  texts: number;
  top1: number;
  /** null with fewer than 5 classes, as CLIP_benchmark (which reports NaN). */
  top5: number | null;
  mean_per_class_recall: number;
  /** Recall of each class that has at least one scored image. */
  per_class: Record<string, number>;
  /** matrix[t][p]: images of labels[t] predicted as labels[p]. */
  confusion: { labels: string[]; matrix: number[][] };
  predictions: { input: string; label: string; predicted: string; top5: string[] }[];
  /**
   * Per true class: the texts (of that class) most often closest to the image among the
   * predicted class's texts when it was predicted right, and for its most frequent confusion
   * the predicted class's texts behind those mistakes (counts of images).
   */
  explanations?: Record<string, ExplanationJson>;
  /** With `eval --train`: the strategy's few-shot curve per method. */
  fewshot?: FewShotJson;
}

export interface ExplanationJson {
  correct: { text: string; count: number }[];
  confusion?: { predicted: string; images: number; texts: { text: string; count: number }[] };
}

export interface EvalJson {
  dataset?: string;
  model?: string;
  classes: string[];
  images: { total: number; evaluated: number; failed: number };
  strategies: Record<string, StrategyJson>;
  failed: ({ input: string; label: string } & InputFailure)[];
  /** With `eval --train`: the few-shot protocol's setup and its training-image pass. */
  fewshot?: FewShotSetupJson;
}

/** The top-level `fewshot` of the eval JSON. */
export interface FewShotSetupJson {
  train: string;
  val: string | null;
  methods: string[];
  shots: number[];
  seeds: number[];
  augment_views: number;
  /** Validation images per class drawn from TRAIN; null with a fixed validation set. */
  val_shots: number | "min(K, 4)" | null;
  train_images: {
    computed: number;
    cached: number;
    failed: ({ input: string } & InputFailure)[];
  };
}

function fewShotSetupJson(fs: FewShotResult): FewShotSetupJson {
  const p = fs.trainPass;
  return {
    train: fs.setup.train,
    val: fs.setup.val,
    methods: [...fs.setup.methods],
    shots: fs.setup.shots,
    seeds: fs.setup.seeds,
    augment_views: fs.setup.augmentViews,
    val_shots: fs.setup.val ? null : (fs.setup.valShots ?? "min(K, 4)"),
    train_images: {
      computed: p.computed,
      cached: p.cached,
      failed: p.failed.map((f) => ({ input: f.input, code: f.code, error: f.error })),
    },
  };
}

/** Build the JSON document; accuracies are fractions in [0, 1], unrounded. */
export function evalJson(
  result: EvalResult,
  meta: { dataset?: string; model?: string } = {},
  fewshot?: FewShotResult,
): EvalJson {
  const names = result.classes;
  const strategies: Record<string, StrategyJson> = {};
  for (const s of result.strategies) {
    const per_class: Record<string, number> = {};
    s.metrics.perClass.forEach((r, c) => {
      if (r !== null) per_class[names[c]] = r;
    });
    strategies[s.name] = {
      kind: s.kind,
      spec: `${s.kind}:${s.arg}`,
      count: s.metrics.count,
      texts: s.texts,
      top1: s.metrics.top1,
      top5: s.metrics.top5,
      mean_per_class_recall: s.metrics.meanPerClassRecall,
      per_class,
      confusion: { labels: [...names], matrix: s.metrics.confusion.map((row) => [...row]) },
      predictions: s.predictions.map((p) => {
        const img = result.evaluated[p.image];
        return {
          input: img.path,
          label: names[img.label],
          predicted: names[p.ranking[0]],
          top5: p.ranking.map((c) => names[c]),
        };
      }),
    };
    if (s.explanations) {
      strategies[s.name].explanations = Object.fromEntries(
        s.explanations.map((e, c) => [
          names[c],
          {
            correct: e.correct,
            ...(e.confusion && {
              confusion: { ...e.confusion, predicted: names[e.confusion.predicted] },
            }),
          },
        ]),
      );
    }
  }
  for (const f of fewshot?.strategies ?? []) {
    if (strategies[f.name]) strategies[f.name].fewshot = fewShotJson(f);
  }
  return {
    ...meta,
    classes: [...names],
    images: {
      total: result.evaluated.length + result.failed.length,
      evaluated: result.evaluated.length,
      failed: result.failed.length,
    },
    strategies,
    failed: result.failed.map((f) => ({
      input: f.input,
      label: names[f.label],
      code: f.code,
      error: f.error,
    })),
    ...(fewshot ? { fewshot: fewShotSetupJson(fewshot) } : {}),
  };
}

/** Rows of the terminal summary: strategy, top-1, top-5, mean per-class recall, texts. */
export function summaryRows(doc: EvalJson): string[][] {
  const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(2)}%`);
  return Object.entries(doc.strategies).map(([name, s]) => [
    name,
    pct(s.top1),
    pct(s.top5),
    pct(s.mean_per_class_recall),
    String(s.texts),
  ]);
}

export const SUMMARY_HEADER = ["strategy", "top-1", "top-5", "mean per-class recall", "texts"];

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

/**
 * JSON indented by two spaces like `JSON.stringify(v, null, 2)`, but with arrays of plain values
 * and small flat records (a prediction, a confusion row) kept on one line.
 */
export function prettyJson(value: unknown, indent = ""): string {
  if (isPrimitive(value)) return JSON.stringify(value) ?? "null";
  const compact = JSON.stringify(value);
  const members = Array.isArray(value) ? value : Object.values(value as object);
  const flat = members.every((m) => isPrimitive(m) || (Array.isArray(m) && m.every(isPrimitive)));
  if ((Array.isArray(value) && members.every(isPrimitive)) || (flat && compact.length <= 200)) {
    return compact;
  }
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as object).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const body = entries
    .map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`)
    .join(",\n");
  return `{\n${body}\n${indent}}`;
}
