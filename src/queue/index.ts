/**
 * Scale-out indexing (docs/scale-out.md): shards of an index run as BullMQ jobs on Redis, done by
 * workers on any number of machines into one PostgreSQL + pgvector store.
 */

export {
  IndexQueue,
  QUEUE_PREFIX,
  type ShardJobOptions,
  type ShardState,
} from "./index-queue.js";
export { connectRedis, parseRedisUrl } from "./redis.js";
export {
  makeShards,
  SHARD_FORMAT,
  type Shard,
  type ShardItem,
  type ShardJob,
  type ShardOptions,
  type ShardResult,
} from "./shards.js";
export {
  type SubmitOptions,
  type SubmitPlan,
  type SubmitProgress,
  type SubmitReport,
  type SubmitStore,
  submitIndex,
} from "./submit.js";
export {
  type IndexWorker,
  type IndexWorkerOptions,
  startIndexWorker,
  type WorkerStore,
} from "./worker.js";
