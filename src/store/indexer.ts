/**
 * Incremental indexing: inputs (files, folders, URLs) → embeddings in a store.
 *
 * - What to do is decided by `planIndex` (src/store/plan.ts): unchanged inputs are skipped,
 *   everything else, and every input whose last attempt failed, is read, hashed and embedded.
 * - `embedInputs` does the reading and embedding of such a list; the scale-out worker runs it on
 *   one shard. A changed file whose bytes are those stored (touched, or copied back from a
 *   backup) keeps its stored embedding without a model run, and counts as updated; a refreshed
 *   URL with the same bytes is unchanged.
 * - Results are written one encoder batch at a time, each batch in one transaction, so a killed
 *   run loses at most the batches in flight and the next run picks up the rest.
 */
import { isHttpUrl, readImageSource } from "../image/source.js";
import type { ClipModel } from "../model/clip-model.js";
import type { ImageEmbedOptions } from "../model/image-pipeline.js";
import type { ErrorCode } from "../util/error-codes.js";
import { type InputFailure, inputFailure } from "../util/errors.js";
import { sha256 } from "../util/hash.js";
import { modelIdentity } from "./identity.js";
import { type PlanOptions, planIndex } from "./plan.js";
import type { SourceState, StoredInfo, StoreItem, VectorStore } from "./types.js";

/** The counts `zeroclip index --format json` prints. */
export interface IndexCounts {
  /** Inputs that had no embedding in the store and have one now. */
  added: number;
  /** Inputs whose stored embedding was replaced (their file changed). */
  updated: number;
  /** Stored inputs removed by `prune`. */
  removed: number;
  /** Inputs skipped because the store already had them, unchanged. */
  unchanged: number;
  /** Inputs that could not be read or decoded (recorded with their error, retried next run). */
  failed: number;
}

export interface IndexReport extends IndexCounts {
  /** The failures of this run, in input order. */
  failures: ({ input: string } & InputFailure)[];
}

/** What `embedInputs` did: the counts of an index run but `removed`. */
export type EmbedReport = Omit<IndexReport, "removed">;

/** What embedding needs to know of an input's stored record. */
export type KnownState = Pick<StoredInfo, "status" | "sha256">;

export interface EmbedInputsOptions extends Omit<ImageEmbedOptions, "onResult" | "onProgress"> {
  /** Inputs read ahead at a time (default 256). */
  chunkSize?: number;
  /** Called as inputs are finished (done of total). */
  onProgress?: (done: number, total: number) => void;
}

export interface IndexOptions extends EmbedInputsOptions, PlanOptions {
  /** How the model is named in the store (hub repo id or directory). */
  modelName?: string;
  /** Called once the work is known: inputs to embed, unchanged ones, removed ones. */
  onPlan?: (plan: { inputs: number; todo: number; unchanged: number; removed: number }) => void;
}

/** What the indexer needs of a model. */
export type IndexModel = Pick<ClipModel, "dir" | "dtype" | "config" | "embedImages">;

/**
 * Embed `inputs` into `store`, incrementally (see the module comment). The store is bound to
 * the model's identity first: a store of another model is refused with a `ModelError`.
 */
export async function indexImages(
  model: IndexModel,
  store: VectorStore,
  inputs: readonly string[],
  opts: IndexOptions = {},
): Promise<IndexReport> {
  const { prune, refreshUrls, onPlan, modelName, ...embedOpts } = opts;
  await store.bind(
    await modelIdentity(model, { name: modelName, exifOrientation: opts.exifOrientation }),
  );
  const plan = await planIndex(store, inputs, { prune, refreshUrls });
  onPlan?.({
    inputs: plan.files.length,
    todo: plan.todo.length,
    unchanged: plan.unchanged,
    removed: plan.removed,
  });
  const done = await embedInputs(model, store, plan.todo, plan.known, embedOpts);
  return { ...done, unchanged: done.unchanged + plan.unchanged, removed: plan.removed };
}

/**
 * Read, hash and embed `todo` into `store` (see the module comment); `known` holds the stored
 * state of inputs the store had before. Bad inputs become failure records, never errors.
 */
export async function embedInputs(
  model: Pick<IndexModel, "embedImages">,
  store: Pick<VectorStore, "put" | "get">,
  todo: readonly SourceState[],
  known: ReadonlyMap<string, KnownState>,
  opts: EmbedInputsOptions = {},
): Promise<EmbedReport> {
  const { chunkSize = 256, onProgress, ...embedOpts } = opts;
  const report: EmbedReport = { added: 0, updated: 0, unchanged: 0, failed: 0, failures: [] };
  onProgress?.(0, todo.length);

  let done = 0;
  /** The failures of the chunk being embedded, with their places in it (sorted when it ends). */
  let chunkFailures: { at: number; failure: EmbedReport["failures"][number] }[] = [];
  /** Read failures are known before decode failures: the report lists a chunk's in input order. */
  const flushFailures = () => {
    chunkFailures.sort((a, b) => a.at - b.at);
    for (const f of chunkFailures) report.failures.push(f.failure);
    chunkFailures = [];
  };
  /** `at`: the item's place in its chunk; `code`: a failed item's, kept in the store with its message. */
  const record = (
    item: StoreItem,
    pending: StoreItem[],
    at: number,
    code: ErrorCode = "index_failed",
  ) => {
    if (item.status === "failed") {
      pending.push({ ...item, code });
      report.failed++;
      chunkFailures.push({ at, failure: { input: item.input, code, error: item.error } });
      return;
    }
    pending.push(item);
    if (known.get(item.input)?.status === "ok") report.updated++;
    else report.added++;
  };

  const read = (start: number) =>
    Promise.all(
      todo.slice(start, start + chunkSize).map(async (s) => {
        try {
          const bytes = await readImageSource(s.input, embedOpts);
          return {
            state: { ...s, size: bytes.length, sha256: sha256(bytes) },
            bytes,
            error: undefined,
          };
        } catch (err) {
          return { state: s, ...inputFailure(err, "file_unreadable") };
        }
      }),
    );

  let next = todo.length > 0 ? read(0) : undefined;
  for (let start = 0; start < todo.length; start += chunkSize) {
    const chunk = await next!;
    next = start + chunkSize < todo.length ? read(start + chunkSize) : undefined;
    const pending: StoreItem[] = [];
    const toEmbed: { state: SourceState; bytes: Uint8Array; at: number }[] = [];
    const sameBytes: { state: SourceState; bytes: Uint8Array; at: number }[] = [];
    for (const [at, r] of chunk.entries()) {
      const k = known.get(r.state.input);
      if (r.error !== undefined) {
        record({ ...r.state, status: "failed", error: r.error }, pending, at, r.code);
      } else if (k?.status === "ok" && k.sha256 !== null && k.sha256 === r.state.sha256) {
        // A refreshed URL with the same bytes is unchanged; a touched file (new mtime, same
        // bytes) keeps its embedding under its new state, without running the model.
        if (isHttpUrl(r.state.input)) {
          report.unchanged++;
          done++;
        } else sameBytes.push({ state: r.state, bytes: r.bytes!, at });
      } else toEmbed.push({ state: r.state, bytes: r.bytes!, at });
    }
    const kept = await store.get(sameBytes.map((t) => t.state.input));
    for (const t of sameBytes) {
      const embedding = kept.get(t.state.input);
      if (embedding) record({ ...t.state, status: "ok", embedding }, pending, t.at);
      else toEmbed.push(t);
    }
    done += pending.length;
    let writes: Promise<void> = store.put(pending.splice(0));
    await writes;
    onProgress?.(done, todo.length);
    if (toEmbed.length === 0) {
      flushFailures();
      continue;
    }
    let flushed = 0;
    await model.embedImages(
      toEmbed.map((t) => t.bytes),
      {
        ...embedOpts,
        onResult: (res, j) => {
          const { state: s, at } = toEmbed[j];
          record(
            res.embedding
              ? { ...s, status: "ok", embedding: res.embedding }
              : // Decoded from bytes, so the message does not name the input yet.
                { ...s, status: "failed", error: `${res.error}: ${s.input}` },
            pending,
            at,
            res.code,
          );
        },
        // Called after each encoder batch: write that batch in one transaction.
        onProgress: (d) => {
          const batch = pending.splice(0);
          writes = writes.then(() => store.put(batch));
          done += d - flushed;
          flushed = d;
          const now = done;
          writes = writes.then(() => onProgress?.(now, todo.length));
          // Awaited after the chunk; until then a failed write must not count as unhandled.
          writes.catch(() => {});
        },
      },
    );
    await writes;
    flushFailures();
  }
  return report;
}
