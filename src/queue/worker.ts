/**
 * A scale-out worker: takes shards from the queue, embeds them with the local engine (worker
 * threads, batching, dtype and threads as `zeroclip index` has them), writes each shard to the
 * store in one transaction, then acknowledges it.
 *
 * - A bad image is that image's failure record in the shard's write, never a failed shard.
 * - An error of the store or the model (a server restart, a lost connection) fails the attempt;
 *   BullMQ retries the shard with exponential backoff (the attempts the submitter set).
 * - A worker that dies mid-shard (SIGKILL, a lost machine) stops renewing its lock; after
 *   `lockDurationMs` the next stalled-job check (every `stalledIntervalMs`, by any worker) puts
 *   the shard back in the queue for another worker. Writes are upserts that leave equal rows
 *   untouched, so a shard done twice leaves the store as once.
 * - `close()` (the CLI calls it on SIGTERM) takes no new shard, finishes the running ones, then
 *   resolves.
 */
import { hostname } from "node:os";
import { type Job, UnrecoverableError } from "bullmq";
import { type EmbedInputsOptions, embedInputs, type IndexModel } from "../store/indexer.js";
import type { SourceState, StoreIdentity, StoreItem, VectorStore } from "../store/types.js";
import { errorMessage } from "../util/errors.js";
import type { IndexQueue } from "./index-queue.js";
import { SHARD_FORMAT, type ShardJob, type ShardResult } from "./shards.js";

export interface IndexWorkerOptions
  extends Omit<EmbedInputsOptions, "onProgress" | "maxPixels" | "exifOrientation"> {
  /** Shards processed at once (default 1; 2 hides the store write and the next fetch). */
  concurrency?: number;
  /** Stop once no shard is waiting, delayed or running anywhere (default false). */
  exitWhenIdle?: boolean;
  /**
   * How long a shard's lock lasts without renewal, in ms (default 30000). It is renewed every
   * half of it while the worker runs; one encoder batch must take less than this.
   */
  lockDurationMs?: number;
  /** How often this worker looks for shards whose worker died, in ms (default 30000). */
  stalledIntervalMs?: number;
  /** Times a shard may stall before it fails for good (default 3). */
  maxStalledCount?: number;
  /** Name recorded on each job it processes (default `<hostname>:<pid>`). */
  name?: string;
  /** Called after each shard with its counts. */
  onShard?: (e: { id: string; images: number; result: ShardResult }) => void;
  /** Called when an attempt at a shard fails (it will be retried unless attempts are spent). */
  onShardError?: (e: { id: string; error: string }) => void;
  /** Called with errors of the queue connection (Redis down: the worker reconnects by itself). */
  onError?: (message: string) => void;
}

/** A running worker. */
export interface IndexWorker {
  readonly name: string;
  /** Resolves once the worker has stopped (after `close`, or when idle with `exitWhenIdle`). */
  readonly stopped: Promise<void>;
  /** Take no more shards, finish the running ones, stop. */
  close(): Promise<void>;
}

/** What a worker needs of a store. */
export type WorkerStore = Pick<VectorStore, "put" | "get"> & { id(): Promise<string> };

/**
 * Start a worker for `store`'s queue with `model`, whose identity must be the store's (the
 * caller binds the store first; a shard of another store or model is refused for good).
 */
export async function startIndexWorker(
  queue: IndexQueue,
  store: WorkerStore,
  model: Pick<IndexModel, "embedImages">,
  identity: StoreIdentity,
  opts: IndexWorkerOptions = {},
): Promise<IndexWorker> {
  const storeId = await store.id();
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const {
    concurrency = 1,
    exitWhenIdle = false,
    lockDurationMs = 30_000,
    stalledIntervalMs = 30_000,
    maxStalledCount = 3,
    onShard,
    onShardError,
    onError,
    ...embedOpts
  } = opts;

  const process_ = async (job: Job<ShardJob, ShardResult>): Promise<ShardResult> => {
    const data = job.data;
    if (data.format !== SHARD_FORMAT || data.storeId !== storeId) {
      throw new UnrecoverableError(
        `shard ${job.id} is of format ${data.format} for store ${data.storeId}; this worker serves store ${storeId}`,
      );
    }
    if (data.identityKey !== identity.key) {
      throw new UnrecoverableError(
        `shard ${job.id} was made for model ${data.model} (${data.dtype}), key ${data.identityKey.slice(0, 12)}; ` +
          `this worker runs ${identity.model} (${identity.dtype}), key ${identity.key.slice(0, 12)}`,
      );
    }
    const started = Date.now();
    const todo: SourceState[] = data.items.map((i) => ({
      input: i.input,
      size: i.size,
      mtimeMs: i.mtimeMs,
      sha256: null,
    }));
    const known = new Map(data.items.flatMap((i) => (i.known ? [[i.input, i.known]] : [])));
    // Collect the shard's records and write them at the end, in one transaction.
    const records: StoreItem[] = [];
    const sink = {
      put: async (items: readonly StoreItem[]) => {
        records.push(...items);
      },
      get: (inputs: readonly string[]) => store.get(inputs),
    };
    const report = await embedInputs(model, sink, todo, known, {
      ...embedOpts,
      maxPixels: data.maxPixels,
      exifOrientation: identity.exifOrientation,
      onProgress: (done) => {
        if (done > 0) job.updateProgress(done).catch(() => {});
      },
    });
    await store.put(records);
    return { ...report, worker: name, ms: Date.now() - started };
  };

  const worker = queue.worker(process_, {
    name,
    concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: stalledIntervalMs,
    maxStalledCount,
    autorun: false,
  });
  worker.on("error", (err) => onError?.(errorMessage(err)));
  worker.on("completed", (job, result) => {
    onShard?.({ id: String(job.id), images: job.data.items.length, result });
  });
  worker.on("failed", (job, err) => {
    onShardError?.({ id: String(job?.id), error: errorMessage(err) });
  });

  let closing: Promise<void> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const close = () => {
    if (idleTimer) clearInterval(idleTimer);
    closing ??= worker.close();
    return closing;
  };
  const running = worker.run();
  running.catch(() => {});
  if (exitWhenIdle) {
    let checking = false;
    const check = async () => {
      if (checking || closing) return;
      checking = true;
      try {
        if (!worker.isRunning() || (await queue.unfinished()) > 0) return;
        await close();
      } catch {
        // Redis unreachable for a moment: ask again at the next tick.
      } finally {
        checking = false;
      }
    };
    worker.on("drained", () => void check());
    idleTimer = setInterval(() => void check(), Math.min(5000, Math.max(500, stalledIntervalMs)));
    void check();
  }
  const stopped = running.then(
    () => closing ?? close(),
    () => closing ?? close(),
  );
  return { name, stopped, close };
}
