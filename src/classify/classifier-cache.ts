/**
 * Zero-shot classifiers kept warm in memory: one per (labels, templates, descriptions,
 * aggregate) set, built once and reused, the least recently used dropped past `maxEntries`.
 * Concurrent requests for a set not yet built share one build.
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

export class ClassifierCache {
  readonly maxEntries: number;
  private readonly entries = new Map<string, Promise<ZeroShotClassifier>>();
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly model: ClipModel,
    private readonly opts: ClassifierCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 64);
  }

  /** Classifiers held (built or being built). */
  get size(): number {
    return this.entries.size;
  }

  /** Lookups answered from memory / that had to build. */
  get stats(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** The classifier for a spec: from memory, or built (and kept) now. A failed build is not kept. */
  get(spec: ClassifierSpec): Promise<ZeroShotClassifier> {
    const key = classifierKey(spec);
    const hit = this.entries.get(key);
    if (hit) {
      this.hitCount++;
      // Most recently used last: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.missCount++;
    const built = ZeroShotClassifier.create(this.model, {
      ...spec,
      cache: this.opts.diskCache ?? false,
      onWarning: this.opts.onWarning,
    });
    this.entries.set(key, built);
    // Only a successful build makes room (a failing one must not push a good entry out).
    built.then(
      () => {
        while (this.entries.size > this.maxEntries) {
          this.entries.delete(this.entries.keys().next().value!);
        }
      },
      () => {
        if (this.entries.get(key) === built) this.entries.delete(key);
      },
    );
    return built;
  }
}
