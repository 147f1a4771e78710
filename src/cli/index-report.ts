import type { IndexReport } from "../store/indexer.js";
import { formatTable } from "./output.js";

/** Print the counts of an index run (stdout) and its first failures (stderr). */
export function printReport(r: IndexReport, format: "table" | "json"): void {
  const counts = {
    added: r.added,
    updated: r.updated,
    removed: r.removed,
    unchanged: r.unchanged,
    failed: r.failed,
  };
  if (format === "json") process.stdout.write(JSON.stringify(counts) + "\n");
  else {
    process.stdout.write(
      formatTable(Object.keys(counts), [Object.values(counts).map((n) => String(n))]),
    );
  }
  const shown = r.failures.slice(0, 10);
  for (const f of shown) process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
  if (r.failures.length > shown.length) {
    process.stderr.write(`… and ${r.failures.length - shown.length} more failed\n`);
  }
}
