/** The request and result of the index use case (src/app/index-images.ts, scale-out.ts). */
import type { ImageSettingsInput } from "../image/settings.js";
import type { IndexReport } from "../store/indexer.js";
import type { UseCaseEvents } from "./events.js";
import type { ModelRequest } from "./model.js";
import type { StageProgress } from "./progress.js";

/** One index run (plain data: the listeners are `IndexEvents`). */
export interface IndexRequest {
  /** Image files, folders (searched recursively) or http(s) URLs. */
  inputs: readonly string[];
  /** The store: a file (created if missing) or a postgres:// URL. */
  store: string;
  /** Default: the store's model and dtype, else `DEFAULT_MODEL`, fp32. */
  model?: ModelRequest;
  /** EXIF orientation (default the store's setting, else on), pixel and download caps. */
  image?: ImageSettingsInput;
  /** Images per encoder call (default 16). */
  batchSize?: number;
  /** Remove stored images under the given folders that are gone. */
  prune?: boolean;
  /** Fetch stored URLs again and re-embed those whose bytes changed. */
  refreshUrls?: boolean;
  /** Scale out: enqueue the work for `zeroclip worker` processes (needs a postgres:// store). */
  queue?: QueueRequest;
}

/** What an index run reports while it works (the second argument of `indexInputs`). */
export interface IndexEvents extends Omit<UseCaseEvents, "onProgress"> {
  /** Called once the work is known. */
  onPlan?: (plan: IndexPlan) => void;
  /** Called as images are finished: a `StageProgress` (stage "index"), with a queue's shards. */
  onProgress?: (progress: IndexProgress) => void;
}

export interface QueueRequest {
  /** The Redis the shards are queued on (redis://…). */
  url: string;
  /** Inputs per shard (default 64). */
  shardSize?: number;
  /** Attempts per shard before it fails for good (default 5). */
  attempts?: number;
  /** Wait for the workers (default true); false returns once the shards are enqueued. */
  wait?: boolean;
}

export interface IndexPlan {
  inputs: number;
  todo: number;
  unchanged: number;
  removed: number;
  /** With a queue: shards of this run, those enqueued now, those the queue already held. */
  shards?: { total: number; enqueued: number; alreadyQueued: number; queue: string };
}

/**
 * Images finished (`done`) of `total` to embed, in stage "index": the `StageProgress` of every
 * use case, with a queue's shard counts besides.
 */
export interface IndexProgress extends StageProgress {
  /** With a queue: shards finished, of `shards`. */
  shardsDone?: number;
  shards?: number;
}

/** What an index run did. */
export interface IndexResult {
  /** The counts (for a queued run not waited for: those of the plan, nothing embedded yet). */
  report: IndexReport;
  /** Whether the work is done (false: queued, `zeroclip worker` processes will do it). */
  done: boolean;
  /** Inputs left for the workers to embed (a queued run not waited for; else 0). */
  pending: number;
  /** With a queue: the shard counts, and the shards that failed after all their attempts. */
  shards?: { total: number; enqueued: number; alreadyQueued: number; failed: FailedShard[] };
  /** What the store holds afterwards (when the work is done). */
  holds?: { ok: number; failed: number };
  seconds: number;
}

export interface FailedShard {
  id: string;
  error: string;
}
