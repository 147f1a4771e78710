/**
 * Where a classify request's classifier comes from. The default source builds a zero-shot
 * classifier from the request's labels and prompts (kept warm in a `ClassifierCache`); a server
 * with fixed classes (a few-shot adapter, say) supplies its own source and requests may then
 * leave the labels out.
 */
import type { Aggregate } from "../classify/class-embeddings.js";
import type { EmbeddingPredictor } from "../classify/classifier.js";
import type { ClassifierCache } from "../classify/classifier-cache.js";
import { UsageError } from "../util/errors.js";

/** A classify request's class and prompt options, parsed. */
export interface ClassifyParams {
  labels?: string[];
  templates?: string[];
  descriptions?: Record<string, string[]>;
  allowMissing?: boolean;
  aggregate?: Aggregate;
}

/** Scores an image embedding against a set of classes (`ZeroShotClassifier` is one). */
export interface ImageScorer extends EmbeddingPredictor {
  readonly labels: readonly string[];
  /** The texts behind each class, when the classes were built from texts. */
  readonly classTexts?: readonly (readonly string[])[];
  /** Keep per-text embeddings so `predict` can explain (classes built from texts only). */
  enableExplanations?(): Promise<unknown>;
}

export interface ClassifierSource {
  /** Whether requests must name their labels (false when the server's classes are fixed). */
  readonly needsLabels: boolean;
  /** The fixed classes, reported by `GET /v1/config`. */
  readonly fixedLabels?: readonly string[];
  /**
   * The scorer for a request; a `UsageError` for options that do not fit (sent as 400).
   * `signal` aborts when the request ends (timeout, client gone): work for it should stop.
   */
  scorer(params: ClassifyParams, signal?: AbortSignal): Promise<ImageScorer>;
}

/** Zero-shot classification from each request's labels and prompts, cached by `cache`. */
export function zeroShotSource(cache: ClassifierCache): ClassifierSource {
  return {
    needsLabels: true,
    async scorer(params, signal) {
      if (!params.labels) throw new UsageError("labels are required");
      return cache.get({ ...params, labels: params.labels }, signal);
    },
  };
}
