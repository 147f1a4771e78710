import type { Command } from "commander";
import { submitIndex } from "../queue/submit.js";
import { type Progress, progressBar } from "../util/progress.js";
import type { IndexFlags } from "./index-flags.js";
import { printReport } from "./index-report.js";
import { openQueuedStore } from "./queue-common.js";

/** `zeroclip index … --queue URL`: enqueue shards for workers, wait, print the counts. */
export async function runSubmit(
  inputs: string[],
  flags: IndexFlags & { queue: string },
  cmd: Command,
  format: "table" | "json",
): Promise<number> {
  const { store, identity, queue, close } = await openQueuedStore(flags, cmd, {
    exifOrientation: () => flags.exifOrientation,
    needsShared:
      "--queue needs a store that every worker can reach: give --store a postgres:// URL",
  });
  let bar: Progress | undefined;
  let ticker: NodeJS.Timeout | undefined;
  try {
    const started = Date.now();
    let last = "";
    const report = await submitIndex(queue, store, identity, inputs, {
      prune: flags.prune,
      refreshUrls: flags.refreshUrls,
      shardSize: flags.shardSize,
      maxPixels: flags.maxPixels,
      attempts: flags.attempts,
      wait: flags.wait,
      onPlan: (p) => {
        process.stderr.write(
          `index: ${p.inputs} inputs: ${p.todo} to embed in ${p.shards} shards, ${p.unchanged} unchanged` +
            (p.removed > 0 ? `, ${p.removed} removed` : "") +
            `; ${p.enqueued} shards enqueued, ${p.alreadyQueued} already queued on ${queue.location} (${queue.name})\n`,
        );
        if (!flags.wait || p.shards === 0) return;
        bar = progressBar("index", p.todo, "images", { detail: " | {shards} shards" });
        // Without a terminal, a line every 10 s says how far the workers are.
        if (!process.stderr.isTTY) {
          ticker = setInterval(() => process.stderr.write(`index: ${last}\n`), 10_000);
        }
      },
      onProgress: (p) => {
        last = `${p.shardsDone}/${p.shards} shards, ${p.imagesDone}/${p.images} images`;
        bar?.update(p.imagesDone, { shards: `${p.shardsDone}/${p.shards}` });
      },
    });
    bar?.stop();
    if (!report.waited) {
      const out = {
        shards: report.shards,
        enqueued: report.enqueued,
        already_queued: report.alreadyQueued,
        to_embed: report.todo,
        unchanged: report.unchanged,
        removed: report.removed,
      };
      process.stdout.write(JSON.stringify(out) + "\n");
      process.stderr.write(
        "index: not waiting (--no-wait): run `zeroclip worker` to do the work\n",
      );
      return 0;
    }
    const counts = await store.counts();
    process.stderr.write(
      `index: ${((Date.now() - started) / 1000).toFixed(1)} s; the store holds ${counts.ok} ` +
        `embeddings and ${counts.failed} failed inputs\n`,
    );
    for (const f of report.failedShards) {
      process.stderr.write(`index: shard ${f.id} failed after all attempts: ${f.error}\n`);
    }
    printReport(report, format);
    return report.failed > 0 ? 1 : 0;
  } finally {
    if (ticker) clearInterval(ticker);
    bar?.stop();
    await close();
  }
}
