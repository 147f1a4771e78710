import type { IndexPlan, IndexResult } from "../app/index-request.js";
import { formatTable } from "./output.js";

/** The plan line of an index run (stderr). */
export function planLine(p: IndexPlan): string {
  const removed = p.removed > 0 ? `, ${p.removed} removed` : "";
  if (!p.shards)
    return `index: ${p.inputs} inputs: ${p.todo} to embed, ${p.unchanged} unchanged${removed}\n`;
  const s = p.shards;
  return (
    `index: ${p.inputs} inputs: ${p.todo} to embed in ${s.total} shards, ${p.unchanged} unchanged${removed}` +
    `; ${s.enqueued} shards enqueued, ${s.alreadyQueued} already queued on ${s.queue}\n`
  );
}

/** Print what an index run did: counts on stdout, the store's totals and failures on stderr. */
export function printIndexResult(r: IndexResult, format: "table" | "json"): void {
  if (!r.done) {
    const s = r.shards;
    const out = {
      shards: s?.total ?? 0,
      enqueued: s?.enqueued ?? 0,
      already_queued: s?.alreadyQueued ?? 0,
      to_embed: r.pending,
      unchanged: r.report.unchanged,
      removed: r.report.removed,
    };
    process.stdout.write(JSON.stringify(out) + "\n");
    process.stderr.write("index: not waiting (--no-wait): run `zeroclip worker` to do the work\n");
    return;
  }
  if (r.holds) {
    process.stderr.write(
      `index: ${r.seconds.toFixed(1)} s; the store holds ${r.holds.ok} ` +
        `embeddings and ${r.holds.failed} failed inputs\n`,
    );
  }
  for (const f of r.shards?.failed ?? []) {
    process.stderr.write(`index: shard ${f.id} failed after all attempts: ${f.error}\n`);
  }
  const { added, updated, removed, unchanged, failed } = r.report;
  const counts = { added, updated, removed, unchanged, failed };
  if (format === "json") process.stdout.write(JSON.stringify(counts) + "\n");
  else {
    process.stdout.write(
      formatTable(Object.keys(counts), [Object.values(counts).map((n) => String(n))]),
    );
  }
  const shown = r.report.failures.slice(0, 10);
  for (const f of shown) process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
  if (r.report.failures.length > shown.length) {
    process.stderr.write(`… and ${r.report.failures.length - shown.length} more failed\n`);
  }
}
