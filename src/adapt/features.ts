/**
 * Features of labelled images for adapters, through the image-embedding cache: plain
 * (centre-crop) embeddings, or N augmented views per image (random resized crop + flip, made in
 * the preprocessing workers and cached per image, seed and view index).
 */

import type { ImageEmbeddingStore } from "../cache/embedding-store.js";
import { embedImageFiles, type ImageEmbedder } from "../cache/image-pass.js";
import type { LabelledImage } from "../dataset/dataset.js";
import type { ImageEmbedOptions } from "../model/image-pipeline.js";
import type { InputFailure } from "../util/errors.js";

export interface FeatureOptions extends Omit<ImageEmbedOptions, "onProgress" | "views"> {
  /** Where embeddings are looked up and added (none: everything is computed). */
  store?: ImageEmbeddingStore;
  /** Called as embeddings are done: the count so far and the total (images × views). */
  onProgress?: (done: number, total: number) => void;
}

export interface ViewOptions extends FeatureOptions {
  /** Augmented views per image; 0 = the plain centre-crop embedding only. */
  augmentViews: number;
  /** Seed of the views (with the image bytes and the view index, it fixes each view). */
  seed: number;
}

/** The options of `opts` that embedding needs (drops the caller's own). */
export function featureOptions(opts: FeatureOptions): FeatureOptions {
  return {
    batchSize: opts.batchSize,
    exifOrientation: opts.exifOrientation,
    maxPixels: opts.maxPixels,
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes,
    store: opts.store,
    onProgress: opts.onProgress,
  };
}

/** A labelled image that could not be embedded, with its failure's code and message. */
export interface FailedImage extends InputFailure {
  input: string;
  label: number;
}

export interface EmbeddedImages<T> {
  /** The images that were embedded, in input order. */
  items: T[];
  /** Per embedded image, its features: one plain embedding, or its N views. */
  features: Float32Array[][];
  failed: FailedImage[];
  /** Embeddings computed by the model in this call, and taken from the cache. */
  computed: number;
  cached: number;
}

/**
 * Embed images once each (plain centre crop) or as `augmentViews` views each. An image that
 * fails (any of its views) is listed in `failed` and left out.
 */
export async function embedLabelledImages<T extends LabelledImage>(
  model: ImageEmbedder,
  items: readonly T[],
  opts: ViewOptions,
): Promise<EmbeddedImages<T>> {
  const { augmentViews, seed, onProgress, ...rest } = opts;
  const paths = items.map((i) => i.path);
  const passes = Math.max(1, augmentViews);
  const total = paths.length * passes;
  const perImage: Float32Array[][] = items.map(() => []);
  const errors = new Array<InputFailure | undefined>(items.length);
  let computed = 0;
  let cached = 0;
  for (let v = 0; v < passes; v++) {
    const pass = await embedImageFiles(model, paths, {
      ...rest,
      view: augmentViews > 0 ? { seed, index: v } : undefined,
      onProgress: (done) => onProgress?.(v * paths.length + done, total),
    });
    computed += pass.computed;
    cached += pass.cached;
    pass.results.forEach((r, i) => {
      if (r.embedding) perImage[i].push(r.embedding);
      else errors[i] ??= { code: r.code, error: r.error };
    });
  }
  const out: EmbeddedImages<T> = { items: [], features: [], failed: [], computed, cached };
  items.forEach((item, i) => {
    const failure = errors[i];
    if (failure !== undefined) out.failed.push({ input: item.path, label: item.label, ...failure });
    else {
      out.items.push(item);
      out.features.push(perImage[i]);
    }
  });
  return out;
}
