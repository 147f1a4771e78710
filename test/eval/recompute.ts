/**
 * An independent recomputation of the eval metrics from the JSON `predictions` list (plain
 * counting, no code shared with src/eval/metrics.ts), and a comparison with the reported numbers.
 */
import assert from "node:assert/strict";

export interface PredictionJson {
  input: string;
  label: string;
  predicted: string;
  top5: string[];
}

export interface StrategyDoc {
  top1: number;
  top5: number | null;
  mean_per_class_recall: number;
  per_class: Record<string, number>;
  confusion: { labels: string[]; matrix: number[][] };
  predictions: PredictionJson[];
}

export interface EvalDoc {
  classes: string[];
  images: { total: number; evaluated: number; failed: number };
  strategies: Record<string, StrategyDoc>;
  failed: { input: string; error: string; label?: string }[];
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

/** Recompute every metric of a strategy from its predictions and check the reported values. */
export function checkStrategy(doc: EvalDoc, name: string): void {
  const s = doc.strategies[name];
  assert.ok(s, `strategy ${name} missing`);
  const labels = s.confusion.labels;
  assert.deepEqual(labels, doc.classes);
  const n = s.predictions.length;
  assert.equal(n, doc.images.evaluated);
  let right = 0;
  let right5 = 0;
  const seen = new Map<string, number>();
  const correct = new Map<string, number>();
  const matrix = labels.map(() => labels.map(() => 0));
  for (const p of s.predictions) {
    assert.equal(p.top5[0], p.predicted);
    assert.equal(p.top5.length, Math.min(5, labels.length));
    assert.equal(new Set(p.top5).size, p.top5.length);
    if (p.predicted === p.label) right++;
    if (p.top5.includes(p.label)) right5++;
    seen.set(p.label, (seen.get(p.label) ?? 0) + 1);
    if (p.predicted === p.label) correct.set(p.label, (correct.get(p.label) ?? 0) + 1);
    matrix[labels.indexOf(p.label)][labels.indexOf(p.predicted)]++;
  }
  assert.ok(close(s.top1, right / n), `${name} top1 ${s.top1} vs ${right / n}`);
  if (labels.length >= 5) assert.ok(close(s.top5!, right5 / n), `${name} top5`);
  else assert.equal(s.top5, null);
  assert.deepEqual(s.confusion.matrix, matrix);
  const recalls: number[] = [];
  assert.deepEqual(Object.keys(s.per_class).sort(), [...seen.keys()].sort());
  for (const [label, count] of seen) {
    const r = (correct.get(label) ?? 0) / count;
    recalls.push(r);
    assert.ok(close(s.per_class[label], r), `${name} per_class ${label}`);
  }
  const mean = recalls.reduce((a, b) => a + b, 0) / recalls.length;
  assert.ok(close(s.mean_per_class_recall, mean), `${name} mean_per_class_recall`);
  // Failed images never appear among the predictions.
  const failed = new Set(doc.failed.map((f) => f.input));
  assert.ok(s.predictions.every((p) => !failed.has(p.input)));
}

/** The report's embedded data blob. */
export function reportData(html: string): Record<string, unknown> {
  const m = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "report data blob missing");
  return JSON.parse(m[1]);
}
