/** The few-shot part of the eval JSON, and a check of its shape and arithmetic. */
import assert from "node:assert/strict";

export interface FewShotDoc {
  classes: string[];
  images: { evaluated: number };
  strategies: Record<
    string,
    {
      top1: number;
      fewshot: Record<
        string,
        Record<
          string,
          {
            top1_mean: number;
            top1_std: number;
            runs: {
              seed: number;
              top1: number;
              alpha: number;
              beta: number | null;
              gamma?: number;
            }[];
          }
        >
      >;
    }
  >;
  fewshot: {
    train: string;
    shots: number[];
    seeds: number[];
    methods: string[];
    augment_views: number;
    train_images: { computed: number; cached: number; failed: unknown[] };
  };
}

/** Check the shape of the few-shot JSON and that means and stds follow from the runs. */
export function checkFewShotDoc(
  doc: FewShotDoc,
  strategy: string,
  methods: string[],
  shots: number[],
  seeds: number[],
): void {
  const fs = doc.strategies[strategy].fewshot;
  assert.deepEqual(Object.keys(fs), methods);
  for (const m of methods) {
    assert.deepEqual(Object.keys(fs[m]), shots.map(String));
    for (const k of shots) {
      const point = fs[m][String(k)];
      assert.deepEqual(Object.keys(point), ["top1_mean", "top1_std", "runs"]);
      assert.deepEqual(
        point.runs.map((r) => r.seed),
        seeds,
      );
      for (const r of point.runs) {
        assert.ok(r.top1 >= 0 && r.top1 <= 1);
        // Accuracies are whole images out of the test set.
        const n = r.top1 * doc.images.evaluated;
        assert.ok(Math.abs(n - Math.round(n)) < 1e-9);
        assert.equal(typeof r.alpha, "number");
        if (m === "gda") assert.equal(r.beta, null);
        else assert.equal(typeof r.beta, "number");
        assert.equal(r.gamma !== undefined, m === "tip-x");
      }
      const tops = point.runs.map((r) => r.top1);
      const mean = tops.reduce((a, b) => a + b, 0) / tops.length;
      const std = Math.sqrt(tops.reduce((a, b) => a + (b - mean) ** 2, 0) / tops.length);
      assert.ok(Math.abs(point.top1_mean - mean) < 1e-12);
      assert.ok(Math.abs(point.top1_std - std) < 1e-12);
    }
  }
}
