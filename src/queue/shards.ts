/**
 * Shards: the units of work of a scale-out index run, one BullMQ job each. The inputs found are
 * sorted and cut every `shardSize`; a shard carries those of its inputs that need embedding,
 * with their size and mtime as listed and what the store held of them. Its job id is a hash of
 * that content and of the store and model, so the same folder submitted again (while earlier
 * shards are still queued or running) yields the same ids and BullMQ adds nothing; a shard that
 * finished left its images in the store, so it is not made again at all.
 */
import type { KnownState } from "../store/indexer.js";
import type { IndexPlan } from "../store/plan.js";
import type { StoreIdentity } from "../store/types.js";
import type { InputFailure } from "../util/errors.js";
import { hashKey } from "../util/hash.js";

/** Version of the job data below; a worker refuses other versions. */
export const SHARD_FORMAT = 1;

/** One input of a shard. */
export interface ShardItem {
  input: string;
  /** Bytes when listed (0 for URLs). */
  size: number;
  /** mtime when listed; null for URLs. */
  mtimeMs: number | null;
  /** The store's record of it when the shard was made (absent: a new input). */
  known?: KnownState;
}

/** The data of a shard job. */
export interface ShardJob {
  format: typeof SHARD_FORMAT;
  /** The store's UUID: a worker of another store refuses the job. */
  storeId: string;
  /** The model identity key the store holds: a worker of another model refuses the job. */
  identityKey: string;
  /** Model name and dtype, for logs. */
  model: string;
  dtype: string;
  /** Refuse images with more pixels (the submitter's --max-pixels). */
  maxPixels?: number;
  items: ShardItem[];
}

/** A shard and its stable job id. */
export interface Shard {
  id: string;
  data: ShardJob;
}

/** What a worker reports for a shard (the job's return value). */
export interface ShardResult {
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  failures: ({ input: string } & InputFailure)[];
  /** The worker's name, and the time the shard took. */
  worker: string;
  ms: number;
}

export interface ShardOptions {
  /** Inputs per shard (default 64). */
  shardSize?: number;
  maxPixels?: number;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Cut a plan's work into shards (see the module comment), in input order. */
export function makeShards(
  plan: Pick<IndexPlan, "files" | "todo" | "known">,
  storeId: string,
  identity: Pick<StoreIdentity, "key" | "model" | "dtype">,
  opts: ShardOptions = {},
): Shard[] {
  const size = Math.max(1, opts.shardSize ?? 64);
  const todo = new Map(plan.todo.map((s) => [s.input, s]));
  const files = [...plan.files].sort(byCodeUnit);
  const shards: Shard[] = [];
  for (let start = 0; start < files.length; start += size) {
    const items: ShardItem[] = [];
    for (const input of files.slice(start, start + size)) {
      const s = todo.get(input);
      if (!s) continue;
      const k = plan.known.get(input);
      items.push({
        input,
        size: s.size,
        mtimeMs: s.mtimeMs,
        ...(k ? { known: { status: k.status, sha256: k.sha256 } } : {}),
      });
    }
    if (items.length === 0) continue;
    const data: ShardJob = {
      format: SHARD_FORMAT,
      storeId,
      identityKey: identity.key,
      model: identity.model,
      dtype: identity.dtype,
      ...(opts.maxPixels !== undefined ? { maxPixels: opts.maxPixels } : {}),
      items,
    };
    shards.push({ id: `shard-${hashKey(data).slice(0, 40)}`, data });
  }
  return shards;
}
