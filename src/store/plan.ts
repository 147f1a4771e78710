/**
 * What an `index` run has to do, decided before any image is read: the inputs found, which of
 * them the store already has unchanged (same path, size and mtime; a stored URL unless
 * `refreshUrls`), and which to read and embed. `--prune` removes stored inputs under the given
 * folders that were not found. The local indexer and the scale-out submitter share this rule.
 */
import { stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { expandInputs, isHttpUrl } from "../image/source.js";
import type { SourceState, StoredInfo, VectorStore } from "./types.js";

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

export interface PlanOptions {
  /** Remove stored inputs under the given folders that are gone (default false). */
  prune?: boolean;
  /** Fetch stored URLs again and re-embed those whose bytes changed (default false). */
  refreshUrls?: boolean;
}

/** The work of an index run (see the module comment). */
export interface IndexPlan {
  /** Every input found, in listing order. */
  files: string[];
  /** The inputs to read and embed (size and mtime as found now; no hash yet), in listing order. */
  todo: SourceState[];
  /** The stored state, before the run, of every stored input under the inputs. */
  known: Map<string, StoredInfo>;
  /** Inputs skipped because the store has them unchanged. */
  unchanged: number;
  /** Stored inputs removed by `prune`. */
  removed: number;
}

/** Decide what to embed (and prune, which deletes from the store). */
export async function planIndex(
  store: Pick<VectorStore, "list" | "delete">,
  inputs: readonly string[],
  opts: PlanOptions = {},
): Promise<IndexPlan> {
  const files = await listInputs(inputs);
  // Only the stored records under the inputs matter (a folder's files, a file, a URL): reading
  // just those keeps a submission of one folder of a huge store small.
  const { prefixes, exact } = await pruneScope(inputs);
  const scope = [...prefixes, ...exact];
  const known = new Map<string, StoredInfo>();
  for await (const page of store.list(scope.length <= 256 ? { prefixes: scope } : {})) {
    for (const info of page) known.set(info.input, info);
  }
  let removed = 0;
  if (opts.prune) {
    const present = new Set(files);
    const gone = [...known.keys()].filter(
      (k) => !present.has(k) && (exact.has(k) || prefixes.some((p) => k.startsWith(p))),
    );
    removed = await store.delete(gone);
  }
  const states = await mapLimited(files, 32, fileState);
  const todo = states.filter((s) => !isUnchanged(s, known.get(s.input), opts.refreshUrls ?? false));
  return { files, todo, known, unchanged: states.length - todo.length, removed };
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimited<T, R>(
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
