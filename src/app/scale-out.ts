/**
 * The scale-out use cases: `submitToQueue` (`zeroclip index --queue`: plan, enqueue shards,
 * follow the workers) and `startWorker` (`zeroclip worker`: embed queued shards into the store).
 *
 * Both take the store's model and image settings by default, by the same rule as a local index
 * run (src/app/index-images.ts): the submitter binds the store to the identity its shards carry,
 * and a worker takes only shards of its own identity.
 */
import { resolveImageSettings } from "../image/settings.js";
import { submitIndex } from "../queue/submit.js";
import { type IndexWorkerOptions, startIndexWorker } from "../queue/worker.js";
import type { StoreIdentity } from "../store/types.js";
import type { UseCaseEvents } from "./events.js";
import type { IndexEvents, IndexRequest, IndexResult, QueueRequest } from "./index-request.js";
import type { ModelRequest } from "./model.js";
import { openQueuedStore } from "./open.js";

/** Enqueue an index request's work on its queue; wait for the workers unless `wait: false`. */
export async function submitToQueue(
  req: IndexRequest & { queue: QueueRequest },
  events: IndexEvents = {},
): Promise<IndexResult> {
  const { store, identity, queue, close } = await openQueuedStore(
    req.store,
    req.queue.url,
    req.model ?? {},
    {
      exifOrientation: req.image?.exifOrientation,
      needsShared:
        "--queue needs a store that every worker can reach: give --store a postgres:// URL",
    },
    events,
  );
  try {
    const started = Date.now();
    const settings = resolveImageSettings({
      ...req.image,
      exifOrientation: identity.exifOrientation,
    });
    const wait = req.queue.wait ?? true;
    const r = await submitIndex(queue, store, identity, req.inputs, {
      prune: req.prune,
      refreshUrls: req.refreshUrls,
      shardSize: req.queue.shardSize,
      maxPixels: settings.maxPixels,
      attempts: req.queue.attempts,
      wait,
      onPlan: (p) =>
        events.onPlan?.({
          inputs: p.inputs,
          todo: p.todo,
          unchanged: p.unchanged,
          removed: p.removed,
          shards: {
            total: p.shards,
            enqueued: p.enqueued,
            alreadyQueued: p.alreadyQueued,
            queue: `${queue.location} (${queue.name})`,
          },
        }),
      onProgress: (p) =>
        events.onProgress?.({
          stage: "index",
          unit: "images",
          done: p.imagesDone,
          total: p.images,
          shardsDone: p.shardsDone,
          shards: p.shards,
        }),
    });
    const holds = r.waited ? await store.counts() : undefined;
    return {
      report: {
        added: r.added,
        updated: r.updated,
        removed: r.removed,
        unchanged: r.unchanged,
        failed: r.failed,
        failures: r.failures,
      },
      done: r.waited,
      pending: r.waited ? 0 : r.todo,
      shards: {
        total: r.shards,
        enqueued: r.enqueued,
        alreadyQueued: r.alreadyQueued,
        failed: r.failedShards,
      },
      holds: holds ? { ok: holds.ok, failed: holds.failed } : undefined,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await close();
  }
}

/** One `zeroclip worker` (plain data: the listeners are `WorkerEvents`). */
export interface WorkerRequest
  extends Pick<IndexWorkerOptions, "concurrency" | "exitWhenIdle" | "batchSize" | "name"> {
  /** The Redis the shards are queued on (redis://…). */
  queue: string;
  /** The store to write (postgres://…). */
  store: string;
  /** Default: the store's model and dtype. */
  model?: ModelRequest;
  /** A shard's lock, in seconds (default 30); a dead worker's shard is retaken once it expires. */
  lockSeconds?: number;
  /** How often to look for shards of dead workers, in seconds (default 30). */
  stalledCheckSeconds?: number;
}

/** What a worker reports while it runs (the second argument of `startWorker`). */
export interface WorkerEvents
  extends Pick<IndexWorkerOptions, "onShard" | "onShardError" | "onError">,
    Pick<UseCaseEvents, "onMessage"> {}

/** A running worker, bound to its store and queue. */
export interface RunningWorker {
  name: string;
  identity: StoreIdentity;
  store: string;
  queue: string;
  /** Resolves once the worker has stopped and its store, queue and model are closed. */
  stopped: Promise<void>;
  /** Take no more shards, finish the running ones, stop. */
  close(): Promise<void>;
}

/** Start a worker on the store's queue (the store's model and image settings unless chosen). */
export async function startWorker(
  req: WorkerRequest,
  events: WorkerEvents = {},
): Promise<RunningWorker> {
  const { opened, store, identity, queue, close } = await openQueuedStore(
    req.store,
    req.queue,
    req.model ?? {},
    { needsShared: "zeroclip worker writes to a shared store: give --store a postgres:// URL" },
    events,
  );
  try {
    const worker = await startIndexWorker(queue, store, opened.model, identity, {
      concurrency: req.concurrency,
      exitWhenIdle: req.exitWhenIdle,
      batchSize: req.batchSize,
      name: req.name,
      lockDurationMs: Math.round((req.lockSeconds ?? 30) * 1000),
      stalledIntervalMs: Math.round((req.stalledCheckSeconds ?? 30) * 1000),
      onShard: events.onShard,
      onShardError: events.onShardError,
      onError: events.onError,
    });
    const stopped = worker.stopped.finally(close);
    return {
      name: worker.name,
      identity,
      store: store.location,
      queue: `${queue.location} (${queue.name})`,
      stopped,
      close: async () => {
        await worker.close();
        await stopped;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
