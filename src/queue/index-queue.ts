/**
 * The scale-out job queue: one BullMQ queue per store on a Redis server, wrapped in one small
 * class (the shape of Immich's job repository). The queue is named after the store's UUID
 * (`zeroclip:index-<uuid>:…` keys), so submitters and workers of one store meet there, and
 * those of another store, on the same Redis, never see its shards.
 */
import {
  type Job,
  type JobState,
  type JobsOptions,
  Queue,
  QueueEvents,
  Worker,
  type WorkerOptions,
} from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis, parseRedisUrl } from "./redis.js";
import type { Shard, ShardJob, ShardResult } from "./shards.js";

/** Redis key prefix of zeroclip's queues. */
export const QUEUE_PREFIX = "zeroclip";

/** A shard's state in the queue ("unknown": not there, or removed after it finished). */
export type ShardState = JobState | "unknown";

/** How shard jobs are kept and retried (set by the submitter, per job). */
export interface ShardJobOptions {
  /** Attempts before a shard fails for good (default 5). */
  attempts?: number;
  /** First retry delay in ms, doubled at each attempt (default 5000). */
  backoffMs?: number;
}

/** How long finished jobs stay in Redis: enough for a submitter to read the last results. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 2000 };
const KEEP_FAILED = { age: 7 * 24 * 3600 };

export class IndexQueue {
  private constructor(
    /** The Redis URL with its password shown as `***`. */
    readonly location: string,
    /** The BullMQ queue name (`index-<store uuid>`). */
    readonly name: string,
    private readonly redis: Redis,
    private readonly queue: Queue<ShardJob, ShardResult>,
  ) {}

  /** Connect to the queue of the store with UUID `storeId` on the Redis at `url`. */
  static async connect(url: string, storeId: string): Promise<IndexQueue> {
    const { location } = parseRedisUrl(url);
    const redis = await connectRedis(url);
    const name = `index-${storeId}`;
    const queue = new Queue<ShardJob, ShardResult>(name, {
      connection: redis,
      prefix: QUEUE_PREFIX,
    });
    queue.on("error", () => {});
    return new IndexQueue(location, name, redis, queue);
  }

  /** Add shards as jobs (a shard whose id is already in the queue is not added again). */
  async add(shards: readonly Shard[], opts: ShardJobOptions = {}): Promise<void> {
    const jobOpts: JobsOptions = {
      attempts: opts.attempts ?? 5,
      backoff: { type: "exponential", delay: opts.backoffMs ?? 5000 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
    for (let i = 0; i < shards.length; i += 500) {
      await this.queue.addBulk(
        shards.slice(i, i + 500).map((s) => ({
          name: "shard",
          data: s.data,
          opts: { ...jobOpts, jobId: s.id },
        })),
      );
    }
  }

  /** The state of each job id. */
  async states(ids: readonly string[]): Promise<Map<string, ShardState>> {
    const out = new Map<string, ShardState>();
    for (let i = 0; i < ids.length; i += 200) {
      const slice = ids.slice(i, i + 200);
      const states = await Promise.all(slice.map((id) => this.queue.getJobState(id)));
      slice.forEach((id, j) => {
        out.set(id, states[j]);
      });
    }
    return out;
  }

  /** A job, or undefined when it is not (or no longer) in Redis. */
  job(id: string): Promise<Job<ShardJob, ShardResult> | undefined> {
    return this.queue.getJob(id);
  }

  /** Put a failed shard back in the queue for another round of attempts. */
  async retry(id: string): Promise<void> {
    const job = await this.queue.getJob(id);
    await job?.retry("failed", { resetAttemptsMade: true });
  }

  /** Shards waiting, delayed or running (anything a worker has still to finish). */
  async unfinished(): Promise<number> {
    const c = await this.queue.getJobCounts(
      "waiting",
      "active",
      "delayed",
      "prioritized",
      "waiting-children",
    );
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  /** The shards being processed now, and the name of the worker on each. */
  async running(): Promise<{ id: string; worker: string | undefined }[]> {
    const jobs = await this.queue.getActive();
    return jobs.map((j) => ({ id: String(j.id), worker: j.processedBy }));
  }

  /** Every job count by state (waiting, active, completed, failed, …). */
  counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  /** A listener for the queue's events (completed, failed, progress, stalled), started. */
  async events(): Promise<QueueEvents> {
    const events = new QueueEvents(this.name, { connection: this.redis, prefix: QUEUE_PREFIX });
    events.on("error", () => {});
    await events.waitUntilReady();
    return events;
  }

  /** A BullMQ worker on this queue (see src/queue/worker.ts for the options zeroclip sets). */
  worker(
    processor: (job: Job<ShardJob, ShardResult>) => Promise<ShardResult>,
    opts: Omit<WorkerOptions, "connection" | "prefix">,
  ): Worker<ShardJob, ShardResult> {
    return new Worker<ShardJob, ShardResult>(this.name, processor, {
      ...opts,
      connection: this.redis,
      prefix: QUEUE_PREFIX,
    });
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => {});
    this.redis.disconnect();
  }
}
