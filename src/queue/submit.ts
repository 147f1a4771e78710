/**
 * The submitter of a scale-out index run: plan the work exactly as a local run would (the same
 * unchanged rule, `--prune`, failed inputs retried), cut it into shards with stable ids, enqueue
 * the ones the queue does not already hold, then (unless told not to wait) follow the queue's
 * events until every shard is done and add up the workers' counts: the same counts a local run
 * prints.
 */
import type { QueueEvents } from "bullmq";
import type { IndexReport } from "../store/indexer.js";
import { type PlanOptions, planIndex } from "../store/plan.js";
import type { StoreIdentity, VectorStore } from "../store/types.js";
import type { IndexQueue, ShardJobOptions } from "./index-queue.js";
import { makeShards, type Shard, type ShardOptions, type ShardResult } from "./shards.js";

export interface SubmitOptions extends PlanOptions, ShardOptions, ShardJobOptions {
  /** Wait until every shard is done (default true); false returns once they are enqueued. */
  wait?: boolean;
  /** How often the queue is also polled for missed events, in ms (default 10000). */
  pollMs?: number;
  /** Called once the shards are enqueued. */
  onPlan?: (plan: SubmitPlan) => void;
  /** Called as shards progress and finish. */
  onProgress?: (p: SubmitProgress) => void;
}

export interface SubmitPlan {
  /** Inputs found, inputs to embed, unchanged, removed by prune. */
  inputs: number;
  todo: number;
  unchanged: number;
  removed: number;
  /** Shards of this run; those added now; those the queue already held (queued, running, done). */
  shards: number;
  enqueued: number;
  alreadyQueued: number;
}

export interface SubmitProgress {
  shardsDone: number;
  shards: number;
  /** Images finished: whole shards, plus the images of running shards reported so far. */
  imagesDone: number;
  images: number;
}

export interface SubmitReport extends IndexReport, SubmitPlan {
  /** Whether the run waited for the workers (the counts then include theirs). */
  waited: boolean;
  /** The job ids of this run's shards. */
  shardIds: string[];
  /** Shards that failed after all their attempts (their images count as failed). */
  failedShards: { id: string; error: string }[];
}

/** The store a submitter needs: a bound store with its UUID. */
export type SubmitStore = Pick<VectorStore, "bind" | "list" | "delete" | "get"> & {
  id(): Promise<string>;
};

/**
 * Submit `inputs` for indexing into `store` through `queue` (see the module comment). The store
 * is bound to `identity` first (another model is a `ModelError`).
 */
export async function submitIndex(
  queue: IndexQueue,
  store: SubmitStore,
  identity: StoreIdentity,
  inputs: readonly string[],
  opts: SubmitOptions = {},
): Promise<SubmitReport> {
  await store.bind(identity);
  const storeId = await store.id();
  const plan = await planIndex(store, inputs, opts);
  const shards = makeShards(plan, storeId, identity, opts);
  const wait = opts.wait ?? true;
  // Listen before adding, so that no shard can finish unseen.
  const events = wait && shards.length > 0 ? await queue.events() : undefined;
  try {
    const before = await queue.states(shards.map((s) => s.id));
    const fresh = shards.filter((s) => before.get(s.id) === "unknown");
    await queue.add(fresh);
    for (const s of shards) if (before.get(s.id) === "failed") await queue.retry(s.id);
    const summary: SubmitPlan = {
      inputs: plan.files.length,
      todo: plan.todo.length,
      unchanged: plan.unchanged,
      removed: plan.removed,
      shards: shards.length,
      enqueued: fresh.length,
      alreadyQueued: shards.length - fresh.length,
    };
    opts.onPlan?.(summary);
    const report: SubmitReport = {
      ...summary,
      added: 0,
      updated: 0,
      failed: 0,
      failures: [],
      waited: wait,
      shardIds: shards.map((s) => s.id),
      failedShards: [],
    };
    if (!events) return report;
    await follow(queue, store, events, shards, report, opts);
    report.failures.sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
    return report;
  } finally {
    await events?.close().catch(() => {});
  }
}

/** Wait for every shard, adding each one's result into `report`. */
async function follow(
  queue: IndexQueue,
  store: SubmitStore,
  events: QueueEvents,
  shards: readonly Shard[],
  report: SubmitReport,
  opts: SubmitOptions,
): Promise<void> {
  const byId = new Map(shards.map((s) => [s.id, s]));
  const pending = new Set(byId.keys());
  const partial = new Map<string, number>();
  const images = shards.reduce((n, s) => n + s.data.items.length, 0);
  let imagesDone = 0;
  let wake: () => void = () => {};
  const progress = () => {
    let running = 0;
    for (const n of partial.values()) running += n;
    opts.onProgress?.({
      shardsDone: shards.length - pending.size,
      shards: shards.length,
      imagesDone: imagesDone + running,
      images,
    });
  };
  const finish = (id: string, result: ShardResult | undefined, error?: string) => {
    const shard = byId.get(id);
    if (!shard || !pending.has(id)) return;
    pending.delete(id);
    partial.delete(id);
    imagesDone += shard.data.items.length;
    if (result) {
      report.added += result.added;
      report.updated += result.updated;
      report.unchanged += result.unchanged;
      report.failed += result.failed;
      report.failures.push(...result.failures);
    } else {
      const reason = `shard failed: ${error ?? "unknown error"}`;
      report.failedShards.push({ id, error: error ?? "unknown error" });
      report.failed += shard.data.items.length;
      for (const it of shard.data.items) {
        report.failures.push({ input: it.input, code: "index_failed", error: reason });
      }
    }
    progress();
    if (pending.size === 0) wake();
  };
  events.on("completed", ({ jobId, returnvalue }) => {
    finish(jobId, returnvalue as unknown as ShardResult);
  });
  events.on("failed", ({ jobId, failedReason }) => finish(jobId, undefined, failedReason));
  events.on("progress", ({ jobId, data }) => {
    if (pending.has(jobId) && typeof data === "number") {
      partial.set(jobId, data);
      progress();
    }
  });
  // Also ask the queue directly: shards done before this run, and any event missed.
  const reconcile = async () => {
    const states = await queue.states([...pending]);
    for (const [id, state] of states) {
      if (state === "completed" || state === "failed") {
        const job = await queue.job(id);
        if (state === "completed") finish(id, job?.returnvalue ?? undefined);
        else finish(id, undefined, job?.failedReason);
      } else if (state === "unknown") {
        // Finished and already removed from Redis: the store tells what became of it.
        finish(id, await resultFromStore(store, byId.get(id)!));
      }
    }
  };
  progress();
  await reconcile();
  const pollMs = opts.pollMs ?? 10_000;
  while (pending.size > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    if (pending.size > 0) await reconcile();
  }
}

/** A finished shard's counts read back from the store (when its job result is gone). */
async function resultFromStore(store: SubmitStore, shard: Shard): Promise<ShardResult> {
  const inputs = shard.data.items.map((i) => i.input);
  const stored = await store.get(inputs);
  const r: ShardResult = {
    added: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    failures: [],
    worker: "?",
    ms: 0,
  };
  for (const it of shard.data.items) {
    if (!stored.has(it.input)) {
      r.failed++;
      r.failures.push({
        input: it.input,
        code: "not_indexed",
        error: "not stored (its shard's result is gone)",
      });
    } else if (it.known?.status === "ok") r.updated++;
    else r.added++;
  }
  return r;
}
