import { Command, Option } from "commander";
import { startWorker } from "../app/scale-out.js";
import { UsageError } from "../util/errors.js";
import { scrub, urlSecrets } from "../util/redact.js";
import { addModelOptions, type ModelFlags, positiveInt, positiveNumber } from "./common.js";
import { setExitCode } from "./exit.js";
import { modelRequest, printMessage } from "./model-choice.js";

export interface WorkerFlags extends ModelFlags {
  queue: string;
  store: string;
  concurrency: number;
  exitWhenIdle?: boolean;
  batchSize: number;
  name?: string;
  lockTimeout?: number;
  stalledCheck?: number;
  /** Old names, in ms (aliases for one release). */
  lockDuration?: number;
  stalledInterval?: number;
}

export function workerCommand(): Command {
  const cmd = new Command("worker")
    .description("scale out: embed shards queued by `zeroclip index --queue` into the store")
    .requiredOption("--queue <redis-url>", "the Redis the shards are queued on (redis://…)")
    .requiredOption("--store <postgres-url>", "the store to write (postgres://…)")
    .option("--concurrency <n>", "shards processed at once", positiveInt("--concurrency"), 1)
    .option("--exit-when-idle", "stop once no shard is waiting or running anywhere")
    .option("--batch-size <n>", "images per encoder call", positiveInt("--batch-size"), 16)
    .option("--name <name>", "the name recorded on each shard it takes (default host:pid)")
    .option(
      "--lock-timeout <seconds>",
      "a shard's lock (default 30); a dead worker's shard is retaken once it expires",
      positiveNumber("--lock-timeout"),
    )
    .option(
      "--stalled-check <seconds>",
      "how often to look for shards of dead workers (default 30)",
      positiveNumber("--stalled-check"),
    )
    .addOption(
      new Option("--lock-duration <ms>", "old name of --lock-timeout, in ms")
        .argParser(positiveInt("--lock-duration"))
        .hideHelp(),
    )
    .addOption(
      new Option("--stalled-interval <ms>", "old name of --stalled-check, in ms")
        .argParser(positiveInt("--stalled-interval"))
        .hideHelp(),
    );
  addModelOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip worker --queue redis://queue:6379 --store postgres://me@db/photos
  zeroclip worker --queue redis://queue:6379 --store postgres://me@db/photos --dtype q8 --threads 4
  zeroclip worker --queue redis://:$REDIS_PASSWORD@queue:6379 --store "$DATABASE_URL" --exit-when-idle

Start as many as you like, on any machines that see the inputs (shared filesystem paths or
URLs). The model is the store's unless --model / --dtype say otherwise (another model is an
error: exit 3). Each shard is written in one transaction, then acknowledged; a worker killed
mid-shard leaves it to be retaken after --lock-timeout. SIGTERM or Ctrl-C finishes the
running shards, then exits 0 (a second Ctrl-C exits at once).
--lock-duration <ms> and --stalled-interval <ms> are the old names of --lock-timeout and
--stalled-check (kept for one release; durations on the command line are in seconds).
Exit codes: 0 stopped, 2 usage error, 3 model error, 4 network error.`,
  );
  cmd.action(async (flags: WorkerFlags) => setExitCode(await runWorker(flags, cmd)));
  return cmd;
}

/** The lock and stalled-check durations in seconds, from the new flags or the old ones (ms). */
export function workerDurations(flags: WorkerFlags): {
  lockSeconds?: number;
  stalledCheckSeconds?: number;
} {
  return {
    lockSeconds: seconds(flags.lockTimeout, flags.lockDuration, [
      "--lock-timeout",
      "--lock-duration",
    ]),
    stalledCheckSeconds: seconds(flags.stalledCheck, flags.stalledInterval, [
      "--stalled-check",
      "--stalled-interval",
    ]),
  };
}

/** A duration in seconds from its flag, or from its old flag in ms; both given is an error. */
function seconds(s: number | undefined, ms: number | undefined, names: [string, string]) {
  if (s !== undefined && ms !== undefined) {
    throw new UsageError(`give ${names[0]} (seconds) or its old name ${names[1]} (ms), not both`);
  }
  return ms !== undefined ? ms / 1000 : s;
}

export async function runWorker(flags: WorkerFlags, cmd: Command): Promise<number> {
  let shards = 0;
  let images = 0;
  let lastError = "";
  const secrets = [...urlSecrets(flags.queue), ...urlSecrets(flags.store)];
  const worker = await startWorker(
    {
      queue: flags.queue,
      store: flags.store,
      model: modelRequest(flags, cmd),
      concurrency: flags.concurrency,
      exitWhenIdle: flags.exitWhenIdle,
      batchSize: flags.batchSize,
      name: flags.name,
      ...workerDurations(flags),
    },
    {
      onMessage: printMessage,
      onShard: ({ id, images: n, result: r }) => {
        lastError = "";
        shards++;
        images += n;
        const secs = r.ms / 1000;
        process.stderr.write(
          `worker: ${id}: ${n} images (${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
            `${r.failed} failed) in ${secs.toFixed(1)} s, ${(n / Math.max(secs, 1e-3)).toFixed(1)} images/s\n`,
        );
      },
      onShardError: ({ id, error }) =>
        process.stderr.write(`worker: ${id}: attempt failed (it will be retried): ${error}\n`),
      // The same connection error repeats at every reconnection attempt: say it once.
      onError: (message) => {
        const line = scrub(message, secrets);
        if (line !== lastError) process.stderr.write(`worker: queue error (retrying): ${line}\n`);
        lastError = line;
      },
    },
  );
  const id = worker.identity;
  process.stderr.write(
    `worker ${worker.name}: ${worker.store} (${id.model}, ${id.dtype}, ${id.dim}-d) ` +
      `from ${worker.queue}, concurrency ${flags.concurrency}\n`,
  );
  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) process.exit(130);
    process.stderr.write(`worker: ${signal}: finishing the running shards, then stopping\n`);
    void worker.close();
  };
  const onTerm = () => stop("SIGTERM");
  const onInt = () => stop("SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  try {
    await worker.stopped;
  } finally {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
  }
  process.stderr.write(`worker: stopped after ${shards} shards, ${images} images\n`);
  return 0;
}
