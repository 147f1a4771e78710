/**
 * Classification from stored embeddings: no image is read or decoded. Every stored embedding is
 * scored by the same `predict` function that scores freshly computed ones, so the predictions are
 * those of classifying the files (and a few-shot adapter plugs in at the same point).
 */
import type { ClassifyResult, EmbeddingPredictor } from "../classify/classifier.js";
import type { InputFailure } from "../util/errors.js";
import { selectStored, storedFailure } from "./select.js";
import type { VectorStore } from "./types.js";

export interface StoredClassifyOptions {
  /** Only these inputs (files, folders, URLs); default every stored input. */
  inputs?: readonly string[];
  /** Keep the k best labels (default all). */
  topK?: number;
  /** Drop labels scoring below this. */
  minScore?: number;
  /** Explanations per prediction (a `ZeroShotClassifier` after `enableExplanations`). */
  explain?: number;
  /** Called with each result in order, as it is made. */
  onResult?: (result: ClassifyResult, index: number) => void;
  /** Called after each page with the results made so far. */
  onProgress?: (done: number) => void;
}

/**
 * Classify stored images: one result per selected input, in order; an input the store lacks,
 * or whose indexing failed, gets an error record.
 */
export async function classifyStored(
  predictor: EmbeddingPredictor,
  store: Pick<VectorStore, "list" | "get" | "location">,
  opts: StoredClassifyOptions = {},
): Promise<ClassifyResult[]> {
  const results: ClassifyResult[] = [];
  for await (const page of selectStored(store, opts.inputs)) {
    const embeddings = await store.get(
      page.filter((s) => s.info?.status === "ok").map((s) => s.input),
    );
    for (const s of page) {
      const e = embeddings.get(s.input);
      const result: ClassifyResult = e
        ? {
            input: s.input,
            predictions: predictor.predict(e, opts.topK, opts.minScore, opts.explain),
          }
        : { input: s.input, ...storedFailure(s, store.location) };
      results.push(result);
      opts.onResult?.(result, results.length - 1);
    }
    opts.onProgress?.(results.length);
  }
  return results;
}

/** A selected input's stored embedding, or why it has none. */
export type StoredOrError =
  | { input: string; embedding: Float32Array; error?: undefined; code?: undefined }
  | ({ input: string; embedding?: undefined } & InputFailure);

/**
 * The stored embeddings of the selected inputs, in `classifyStored`'s order; an input the store
 * lacks, or whose indexing failed, gets its error (for set-wide methods such as TransCLIP).
 */
export async function storedEmbeddings(
  store: Pick<VectorStore, "list" | "get" | "location">,
  inputs: readonly string[] = [],
): Promise<StoredOrError[]> {
  const out: StoredOrError[] = [];
  for await (const page of selectStored(store, inputs)) {
    const embeddings = await store.get(
      page.filter((s) => s.info?.status === "ok").map((s) => s.input),
    );
    for (const s of page) {
      const e = embeddings.get(s.input);
      out.push(
        e
          ? { input: s.input, embedding: e }
          : { input: s.input, ...storedFailure(s, store.location) },
      );
    }
  }
  return out;
}
