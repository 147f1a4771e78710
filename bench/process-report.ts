/** The whole-process section's result (bench/process.ts) and its markdown table. */

export interface ProcessRow {
  name: string;
  kind: "throughput" | "startup";
  /** Wall seconds of every run, in order. */
  walls: number[];
  /** Throughput: items per second of the best run. Start-up: the median wall (or ms). */
  value: number;
  unit: string;
}

export interface ProcessReport {
  rows: ProcessRow[];
  ratios: Record<string, number>;
  targets: Record<string, { target: string; met: boolean }>;
  agreement: Record<string, number | undefined>;
  settings: { images: number; texts: number; rounds: number; threads: number };
}

export function processTable(r: ProcessReport): string {
  const fmt = (row: ProcessRow) =>
    row.unit === "s"
      ? `${row.value.toFixed(3)} s`
      : row.unit === "ms"
        ? `${row.value.toFixed(0)} ms`
        : `${row.value.toFixed(1)} ${row.unit}`;
  const yes = (b: boolean) => (b ? "yes" : "no");
  const startupTarget: Record<string, string> = {
    "zeroclip --version": `≤ 0.15 s | ${yes(r.targets.versionWall.met)}`,
    "import { ClipModel } from zeroclip (in-process ms)": `≤ 200 ms | ${yes(r.targets.importMs.met)}`,
  };
  return [
    `Whole process: ${r.settings.images} photos, ${r.settings.texts} sentences, ${r.settings.threads} threads, ${r.settings.rounds} interleaved rounds; throughput from spawn to exit, best round; start-up the median of every run.`,
    "",
    "| whole process | value | every run (wall s) | target | met |",
    "| --- | ---: | ---: | ---: | :---: |",
    ...r.rows.map(
      (row) =>
        `| ${row.name} | ${fmt(row)} | ${row.walls.map((w) => w.toFixed(2)).join(", ")} | ${startupTarget[row.name] ?? " | "} |`,
    ),
    "",
    "| whole-process ratio | value | target | met |",
    "| --- | ---: | ---: | :---: |",
    ...Object.entries(r.ratios).map(
      ([k, val]) =>
        `| ${k} | ${val.toFixed(2)} | ${r.targets[k].target} | ${yes(r.targets[k].met)} |`,
    ),
    "",
    "| agreement (cosine of the first input's embeddings) | value |",
    "| --- | ---: |",
    ...Object.entries(r.agreement).map(
      ([k, val]) => `| ${k} | ${val === undefined ? "n/a" : val.toFixed(6)} |`,
    ),
  ].join("\n");
}
