import { Command, Option } from "commander";
import { indexImages } from "../store/indexer.js";
import { UsageError } from "../util/errors.js";
import { type Progress, progressBar } from "../util/progress.js";
import { addImageOptions, addModelOptions, positiveInt } from "./common.js";
import { setExitCode } from "./exit.js";
import type { IndexFlags } from "./index-flags.js";
import { printReport } from "./index-report.js";
import { runSubmit } from "./index-submit.js";
import { openStoreModel } from "./store-common.js";

export function indexCommand(): Command {
  const cmd = new Command("index")
    .description(
      "embed images into a store once, for search and classification without an image pass",
    )
    .argument("<inputs...>", "image files, folders (searched recursively) or http(s) URLs")
    .requiredOption(
      "--store <path|url>",
      "the store: a file (created if missing), or a postgres:// URL (PostgreSQL + pgvector)",
    )
    .option(
      "--queue <redis-url>",
      "scale out: enqueue the work on this Redis for `zeroclip worker` processes (needs a postgres:// store)",
    )
    .option(
      "--shard-size <n>",
      "with --queue: inputs per shard (one job)",
      positiveInt("--shard-size"),
      64,
    )
    .option("--no-wait", "with --queue: return once the shards are enqueued")
    .option(
      "--attempts <n>",
      "with --queue: attempts per shard before it fails for good",
      positiveInt("--attempts"),
      5,
    )
    .option("--prune", "remove stored images under the given folders that are gone")
    .option("--refresh-urls", "fetch stored URLs again and re-embed those whose bytes changed")
    .addOption(
      new Option(
        "--format <format>",
        "output format (default: table on a terminal, json when piped)",
      ).choices(["table", "json"]),
    );
  addImageOptions(cmd);
  addModelOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip index photos/ --store photos.zcstore
  zeroclip index photos/ --store photos.zcstore --prune --format json
  zeroclip index https://example.com/a.jpg --store web.zcstore --dtype q8
  zeroclip index /shared/photos --store postgres://me@db/photos --queue redis://queue:6379
      (then, on any machines: zeroclip worker --queue redis://queue:6379 --store postgres://me@db/photos)

A file is skipped when its path, size and mtime are those stored; a stored URL is skipped
unless --refresh-urls. Images that fail are recorded with their error and retried next run.
A run stopped at any point (even kill -9) keeps every finished batch; run it again to finish.
The store keeps its model: later runs, search and classify --store use it by default.
With --queue, inputs must be reachable by every worker (shared filesystem paths or URLs); the
run waits for the workers and prints the same counts (--no-wait: the shard counts instead).
Submitting the same inputs again enqueues nothing that is queued, running or stored.
Output (json): {"added": n, "updated": n, "removed": n, "unchanged": n, "failed": n}
Exit codes: 0 all indexed, 1 some images failed, 2 usage error, 3 model error (e.g. a store of
another model), 4 network error (hub).`,
  );
  cmd.action(async (inputs: string[], flags: IndexFlags) =>
    setExitCode(await runIndex(inputs, flags, cmd)),
  );
  return cmd;
}

export async function runIndex(inputs: string[], flags: IndexFlags, cmd: Command): Promise<number> {
  if (inputs.length === 0) throw new UsageError("no inputs: give image files, folders or URLs");
  const format = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  if (flags.queue !== undefined)
    return runSubmit(inputs, { ...flags, queue: flags.queue }, cmd, format);
  const opened = await openStoreModel(flags.store, flags, cmd, { readonly: false });
  let bar: Progress | undefined;
  try {
    const started = Date.now();
    const report = await indexImages(opened.model, opened.store, inputs, {
      modelName: opened.name,
      prune: flags.prune,
      refreshUrls: flags.refreshUrls,
      batchSize: flags.batchSize,
      exifOrientation: flags.exifOrientation,
      maxPixels: flags.maxPixels,
      onPlan: (p) => {
        process.stderr.write(
          `index: ${p.inputs} inputs: ${p.todo} to embed, ${p.unchanged} unchanged` +
            (p.removed > 0 ? `, ${p.removed} removed` : "") +
            "\n",
        );
        bar = progressBar("index", p.todo, "images");
      },
      onProgress: (done) => bar?.update(done),
    });
    bar?.stop();
    const counts = await opened.store.counts();
    process.stderr.write(
      `index: ${((Date.now() - started) / 1000).toFixed(1)} s; the store holds ${counts.ok} ` +
        `embeddings and ${counts.failed} failed inputs\n`,
    );
    printReport(report, format);
    return report.failed > 0 ? 1 : 0;
  } finally {
    bar?.stop();
    await opened.close();
  }
}
