/**
 * Incremental indexing: inputs (files, folders, URLs) → embeddings in a store.
 *
 * - A file whose path, size and mtime match its stored record is unchanged and skipped; a URL
 *   already stored is unchanged unless `refreshUrls` (then it is fetched and compared by the
 *   SHA-256 of its bytes). Everything else, and every input whose last attempt failed, is
 *   read, hashed and embedded; a changed file whose bytes are those stored (touched, or copied
 *   back from a backup) keeps its stored embedding without a model run, and counts as updated.
 * - Results are written one encoder batch at a time, each batch in one transaction, so a killed
 *   run loses at most the batches in flight and the next run picks up the rest.
 * - `prune` removes stored inputs that lie under a given folder (or are a given file) but were
 *   not found this time.
 */
import { stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { expandInputs, isHttpUrl, readImageSource } from "../image/source.js";
import type { ClipModel } from "../model/clip-model.js";
import type { ImageEmbedOptions } from "../model/image-pipeline.js";
import { errorMessage } from "../util/errors.js";
import { sha256 } from "../util/hash.js";
import { modelIdentity } from "./identity.js";
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
  failures: { input: string; error: string }[];
}

export interface IndexOptions extends Omit<ImageEmbedOptions, "onResult" | "onProgress"> {
  /** How the model is named in the store (hub repo id or directory). */
  modelName?: string;
  /** Remove stored inputs under the given folders that are gone (default false). */
  prune?: boolean;
  /** Fetch stored URLs again and re-embed those whose bytes changed (default false). */
  refreshUrls?: boolean;
  /** Inputs read ahead at a time (default 256). */
  chunkSize?: number;
  /** Called once the work is known: inputs to embed, unchanged ones, removed ones. */
  onPlan?: (plan: { inputs: number; todo: number; unchanged: number; removed: number }) => void;
  /** Called as inputs to embed are finished (done of total `todo`). */
  onProgress?: (done: number, total: number) => void;
}

/** What the indexer needs of a model. */
export type IndexModel = Pick<ClipModel, "dir" | "dtype" | "config" | "embedImages">;

/** Absolute paths for files, URLs as given; duplicates dropped, order kept. */
export async function listInputs(inputs: readonly string[]): Promise<string[]> {
  const expanded = await expandInputs([...inputs]);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of expanded) {
    const key = isHttpUrl(e) ? e : resolve(e);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(key);
    }
  }
  return out;
}

/** The stored inputs `prune` may remove: those under a given folder, or equal to a given input. */
export async function pruneScope(
  inputs: readonly string[],
): Promise<{ prefixes: string[]; exact: Set<string> }> {
  const prefixes: string[] = [];
  const exact = new Set<string>();
  for (const input of inputs) {
    if (isHttpUrl(input)) {
      exact.add(input);
      continue;
    }
    const abs = resolve(input);
    const st = await stat(abs).catch(() => undefined);
    if (st?.isDirectory()) prefixes.push(abs.endsWith(sep) ? abs : abs + sep);
    else exact.add(abs);
  }
  return { prefixes, exact };
}

async function fileState(input: string): Promise<SourceState> {
  if (isHttpUrl(input)) return { input, size: 0, mtimeMs: null, sha256: null };
  const st = await stat(input).catch(() => undefined);
  return { input, size: st?.size ?? 0, mtimeMs: st?.mtimeMs ?? null, sha256: null };
}

function isUnchanged(s: SourceState, known: StoredInfo | undefined, refreshUrls: boolean) {
  if (known?.status !== "ok") return false;
  if (isHttpUrl(s.input)) return !refreshUrls;
  return s.mtimeMs !== null && known.size === s.size && known.mtimeMs === s.mtimeMs;
}

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
  const { prune, refreshUrls = false, chunkSize = 256, onPlan, onProgress, ...embedOpts } = opts;
  await store.bind(
    await modelIdentity(model, { name: opts.modelName, exifOrientation: opts.exifOrientation }),
  );
  const files = await listInputs(inputs);
  const known = new Map<string, StoredInfo>();
  for await (const page of store.list()) for (const info of page) known.set(info.input, info);

  const report: IndexReport = {
    added: 0,
    updated: 0,
    removed: 0,
    unchanged: 0,
    failed: 0,
    failures: [],
  };
  if (prune) {
    const { prefixes, exact } = await pruneScope(inputs);
    const present = new Set(files);
    const gone = [...known.keys()].filter(
      (k) => !present.has(k) && (exact.has(k) || prefixes.some((p) => k.startsWith(p))),
    );
    report.removed = await store.delete(gone);
  }

  const states = await mapLimited(files, 32, fileState);
  const todo = states.filter((s) => {
    if (!isUnchanged(s, known.get(s.input), refreshUrls)) return true;
    report.unchanged++;
    return false;
  });
  onPlan?.({
    inputs: files.length,
    todo: todo.length,
    unchanged: report.unchanged,
    removed: report.removed,
  });
  onProgress?.(0, todo.length);

  let done = 0;
  const record = (item: StoreItem, pending: StoreItem[]) => {
    pending.push(item);
    if (item.status === "failed") {
      report.failed++;
      report.failures.push({ input: item.input, error: item.error });
    } else if (known.get(item.input)?.status === "ok") report.updated++;
    else report.added++;
  };

  const read = (start: number) =>
    Promise.all(
      todo.slice(start, start + chunkSize).map(async (s) => {
        try {
          const bytes = await readImageSource(s.input, embedOpts);
          return { state: { ...s, size: bytes.length, sha256: sha256(bytes) }, bytes };
        } catch (err) {
          return { state: s, error: errorMessage(err) };
        }
      }),
    );

  let next = todo.length > 0 ? read(0) : undefined;
  for (let start = 0; start < todo.length; start += chunkSize) {
    const chunk = await next!;
    next = start + chunkSize < todo.length ? read(start + chunkSize) : undefined;
    const pending: StoreItem[] = [];
    const toEmbed: { state: SourceState; bytes: Uint8Array }[] = [];
    const sameBytes: { state: SourceState; bytes: Uint8Array }[] = [];
    for (const r of chunk) {
      const k = known.get(r.state.input);
      if (r.error !== undefined) {
        record({ ...r.state, status: "failed", error: r.error }, pending);
      } else if (k?.status === "ok" && k.sha256 !== null && k.sha256 === r.state.sha256) {
        // A refreshed URL with the same bytes is unchanged; a touched file (new mtime, same
        // bytes) keeps its embedding under its new state, without running the model.
        if (isHttpUrl(r.state.input)) {
          report.unchanged++;
          done++;
        } else sameBytes.push({ state: r.state, bytes: r.bytes! });
      } else toEmbed.push({ state: r.state, bytes: r.bytes! });
    }
    const kept = await store.get(sameBytes.map((t) => t.state.input));
    for (const t of sameBytes) {
      const embedding = kept.get(t.state.input);
      if (embedding) record({ ...t.state, status: "ok", embedding }, pending);
      else toEmbed.push(t);
    }
    done += pending.length;
    let writes: Promise<void> = store.put(pending.splice(0));
    await writes;
    onProgress?.(done, todo.length);
    if (toEmbed.length === 0) continue;
    let flushed = 0;
    await model.embedImages(
      toEmbed.map((t) => t.bytes),
      {
        ...embedOpts,
        onResult: (res, j) => {
          const s = toEmbed[j].state;
          record(
            res.embedding
              ? { ...s, status: "ok", embedding: res.embedding }
              : { ...s, status: "failed", error: withInput(res.error, s.input) },
            pending,
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
  }
  return report;
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Errors name the input they are about, as reading errors do ("…: path"). */
function withInput(error: string, input: string): string {
  return error.endsWith(input) ? error : `${error}: ${input}`;
}
