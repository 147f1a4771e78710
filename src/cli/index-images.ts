import { Command, Option } from "commander";
import { indexInputs } from "../app/index-images.js";
import { type Progress, progressBar } from "../util/progress.js";
import { addImageOptions, addModelOptions, type ModelFlags, positiveInt } from "./common.js";
import { setExitCode } from "./exit.js";
import { planLine, printIndexResult } from "./index-report.js";
import { imageSettingsInput, modelRequest, printMessage } from "./model-choice.js";

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

/** The flags of `zeroclip index`. */
interface IndexFlags extends ModelFlags {
  store: string;
  queue?: string;
  shardSize: number;
  wait: boolean;
  attempts: number;
  prune?: boolean;
  refreshUrls?: boolean;
  format?: "table" | "json";
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
}

export async function runIndex(inputs: string[], flags: IndexFlags, cmd: Command): Promise<number> {
  const format = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  let bar: Progress | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let last = "";
  try {
    const result = await indexInputs(
      {
        inputs,
        store: flags.store,
        model: modelRequest(flags, cmd),
        image: imageSettingsInput(flags, cmd),
        batchSize: flags.batchSize,
        prune: flags.prune,
        refreshUrls: flags.refreshUrls,
        queue:
          flags.queue === undefined
            ? undefined
            : {
                url: flags.queue,
                shardSize: flags.shardSize,
                attempts: flags.attempts,
                wait: flags.wait,
              },
      },
      {
        onMessage: printMessage,
        onPlan: (p) => {
          process.stderr.write(planLine(p));
          if (!p.shards) {
            bar = progressBar("index", p.todo, "images");
            return;
          }
          if (!flags.wait || p.shards.total === 0) return;
          bar = progressBar("index", p.todo, "images", { detail: " | {shards} shards" });
          // Without a terminal, a line every 10 s says how far the workers are.
          if (!process.stderr.isTTY) {
            ticker = setInterval(() => process.stderr.write(`index: ${last}\n`), 10_000);
          }
        },
        onProgress: (p) => {
          if (p.shards === undefined) return bar?.update(p.done);
          last = `${p.shardsDone}/${p.shards} shards, ${p.done}/${p.total} images`;
          bar?.update(p.done, { shards: `${p.shardsDone}/${p.shards}` });
        },
      },
    );
    if (ticker) clearInterval(ticker);
    bar?.stop();
    printIndexResult(result, format);
    return result.report.failed > 0 ? 1 : 0;
  } finally {
    if (ticker) clearInterval(ticker);
    bar?.stop();
  }
}
