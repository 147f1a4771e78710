/** The few-shot results as JSON (`eval --train --format json`) and as the terminal's shots table. Pure. */
import type { FewShotResult, FewShotStrategyResult } from "./fewshot.js";

/** `strategies.NAME.fewshot` of the eval JSON: METHOD → "K" → {top1_mean, top1_std, runs}. */
export interface FewShotJson {
  [method: string]: {
    [shots: string]: {
      top1_mean: number;
      top1_std: number;
      runs: { seed: number; top1: number; alpha: number; beta: number | null; gamma?: number }[];
    };
  };
}

export function fewShotJson(s: FewShotStrategyResult): FewShotJson {
  const out: FewShotJson = {};
  for (const m of s.methods) {
    out[m.method] = {};
    for (const p of m.points) {
      out[m.method][String(p.shots)] = {
        top1_mean: p.top1Mean,
        top1_std: p.top1Std,
        runs: p.runs.map((r) => ({
          seed: r.seed,
          top1: r.top1,
          alpha: r.alpha,
          beta: r.beta,
          ...(r.gamma !== null ? { gamma: r.gamma } : {}),
        })),
      };
    }
  }
  return out;
}

/** Rows of the terminal's shots table: strategy, method, zero-shot, then mean ± std per K. */
export function fewShotRows(fs: FewShotResult): { header: string[]; rows: string[][] } {
  const pct = (x: number) => `${(x * 100).toFixed(2)}`;
  const header = ["strategy", "method", "zero-shot", ...fs.setup.shots.map((k) => `${k}-shot`)];
  const rows = fs.strategies.flatMap((s) =>
    s.methods.map((m) => [
      s.name,
      m.method,
      `${pct(s.zeroShotTop1)}%`,
      ...m.points.map((p) => `${pct(p.top1Mean)} ± ${pct(p.top1Std)}%`),
    ]),
  );
  return { header, rows };
}
