/**
 * Zero-shot classifiers kept warm in memory: one per (labels, templates, descriptions,
 * aggregate) set, built once and reused, the least recently used dropped past `maxEntries`
 * classifiers or `maxBytes` of class embeddings and texts. Concurrent requests for a set not
 * yet built share one build; a build whose every requester has gone (aborted) is cancelled
 * between text-encoder batches.
 */
import type { ClipModel } from "../model/clip-model.js";
import { hashKey } from "../util/hash.js";
import type { Aggregate } from "./class-embeddings.js";
import { type ClassifierOptions, ZeroShotClassifier } from "./classifier.js";

/** What decides a classifier's class embeddings. */
export type ClassifierSpec = Pick<
  ClassifierOptions,
  "labels" | "templates" | "descriptions" | "allowMissing" | "aggregate"
>;

export interface ClassifierCacheOptions {
  /** Classifiers kept (default 64). */
  maxEntries?: number;
  /** Bytes of class embeddings and texts kept, over all classifiers (default 256 MiB). */
  maxBytes?: number;
  /** The on-disk class-embedding cache, as `ClassifierOptions.cache` (default false). */
  diskCache?: boolean | string;
  /** Warnings from building a classifier (e.g. a label fell back to templates). */
  onWarning?: (message: string) => void;
}

/** The cache key of a spec: labels, prompts and aggregate (descriptions of other labels ignored). */
export function classifierKey(spec: ClassifierSpec): string {
  const labels = spec.labels.map((l) => l.trim());
  const descriptions = spec.descriptions
    ? Object.fromEntries(
        labels.map((l) => [l, Object.hasOwn(spec.descriptions!, l) ? spec.descriptions![l] : []]),
      )
    : undefined;
  const aggregate: Aggregate = spec.aggregate ?? "normalized-mean";
  return hashKey({
    labels,
    templates: spec.templates,
    descriptions,
    allowMissing: descriptions ? (spec.allowMissing ?? false) : undefined,
    aggregate,
  });
}

interface Entry {
  built: Promise<ZeroShotClassifier>;
  /** Requesters waiting for the build (undefined once built). */
  waiting?: number;
  cancel: AbortController;
  bytes: number;
}

/** Memory a classifier holds: its class embeddings (float32) and texts (UTF-16). */
export function classifierBytes(c: ZeroShotClassifier): number {
  let n = 0;
  for (const e of c.classEmbeddings) n += e.byteLength;
  for (const list of c.classTexts) for (const t of list) n += 2 * t.length;
  for (const l of c.labels) n += 2 * l.length;
  return n;
}

export class ClassifierCache {
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly model: ClipModel,
    private readonly opts: ClassifierCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 64);
    this.maxBytes = Math.max(1, opts.maxBytes ?? 256 * 1024 * 1024);
  }

  /** Bytes held by the built classifiers. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Classifiers held (built or being built). */
  get size(): number {
    return this.entries.size;
  }

  /** Lookups answered from memory / that had to build. */
  get stats(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /**
   * The classifier for a spec: from memory, or built (and kept) now. A failed build is not
   * kept. `signal` abandons this caller's wait (rejecting with its reason); the build itself is
   * cancelled once no caller waits for it any more.
   */
  get(spec: ClassifierSpec, signal?: AbortSignal): Promise<ZeroShotClassifier> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const key = classifierKey(spec);
    const hit = this.entries.get(key);
    if (hit) {
      this.hitCount++;
      // Most recently used last: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return this.wait(hit, signal);
    }
    this.missCount++;
    const cancel = new AbortController();
    const built = ZeroShotClassifier.create(this.model, {
      ...spec,
      cache: this.opts.diskCache ?? false,
      onWarning: this.opts.onWarning,
      // Stops the text encoding of a build nobody waits for any more.
      signal: cancel.signal,
    });
    const entry: Entry = { built, waiting: 0, cancel, bytes: 0 };
    this.entries.set(key, entry);
    built.then(
      (c) => {
        entry.waiting = undefined;
        if (this.entries.get(key) !== entry) return;
        entry.bytes = classifierBytes(c);
        this.bytes += entry.bytes;
        // Only a successful build makes room (a failing one must not push a good entry out).
        this.evict(entry);
      },
      () => {
        entry.waiting = undefined;
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return this.wait(entry, signal);
  }

  /** Drop the least recently used built entries (never `keep`) until within both bounds. */
  private evict(keep: Entry): void {
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (e === keep || e.waiting !== undefined) continue;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  private wait(entry: Entry, signal: AbortSignal | undefined): Promise<ZeroShotClassifier> {
    if (entry.waiting === undefined) return entry.built;
    // A caller without a signal waits for good: the build is never cancelled under it.
    entry.waiting++;
    if (!signal) return entry.built;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason);
        if (entry.waiting !== undefined && --entry.waiting === 0) {
          entry.cancel.abort(signal.reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      entry.built.then(
        (c) => {
          signal.removeEventListener("abort", onAbort);
          resolve(c);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }
}
