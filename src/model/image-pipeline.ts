import type { AugmentSpec } from "../image/augment.js";
import type { DecodeOptions } from "../image/decode.js";
import type { PreprocessPool } from "../image/pool.js";
import type { FetchOptions, ImageSource } from "../image/source.js";
import type { PreprocessConfig } from "../image/types.js";
import type { InputFailure } from "../util/errors.js";

/** What the pipeline needs from a model (kept narrow so it can be tested alone). */
export interface PixelEmbedder {
  readonly preprocess: PreprocessConfig;
  embedPixels(pixels: Float32Array, count: number, normalize?: boolean): Promise<Float32Array[]>;
}

export interface ImageEmbedOptions extends Omit<DecodeOptions, "name">, FetchOptions {
  /** Images per encoder call (default 16). */
  batchSize?: number;
  /** L2-normalize each embedding (default true). */
  normalize?: boolean;
  /** Called after each batch with the number of inputs finished so far. */
  onProgress?: (done: number, total: number) => void;
  /** Called with each input's result as soon as its batch is done, in input order. */
  onResult?: (result: ImageEmbedResult, index: number) => void;
  /**
   * Per input (same order), an augmented view to embed instead of the centre crop (few-shot
   * support sets; see src/image/augment.ts). Inputs without an entry get the usual preprocessing.
   */
  views?: readonly (AugmentSpec | undefined)[];
}

/** One input's outcome: an embedding, or its failure (stable `code`, one-line `error`). */
export type ImageEmbedResult =
  | { input: string; embedding: Float32Array; error?: undefined; code?: undefined }
  | ({ input: string; embedding?: undefined } & InputFailure);

/** How an input is named in results: paths and URLs as given, bytes by position. */
export function sourceName(src: ImageSource, index: number): string {
  return typeof src === "string" ? src : `<bytes #${index}>`;
}

/**
 * Decode, preprocess and embed images in batches. Worker threads read, decode and resize the
 * next batches while onnxruntime (which runs synchronously on this thread) encodes the current
 * one; at most `3 × batchSize` images are in flight, so memory stays bounded.
 */
export async function embedImageSources(
  model: PixelEmbedder,
  pool: PreprocessPool,
  sources: readonly ImageSource[],
  opts: ImageEmbedOptions = {},
): Promise<ImageEmbedResult[]> {
  const batchSize = Math.max(1, opts.batchSize ?? 16);
  const cfg = model.preprocess;
  const size = 3 * cfg.cropHeight * cfg.cropWidth;
  const decode = { exifOrientation: opts.exifOrientation, maxPixels: opts.maxPixels };
  const fetch = { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes };
  const n = sources.length;
  const tasks = new Array<ReturnType<PreprocessPool["prepare"]> | undefined>(n);
  let submitted = 0;
  const submitUpTo = (limit: number) => {
    for (; submitted < Math.min(limit, n); submitted++) {
      tasks[submitted] = pool.prepare(
        sources[submitted],
        cfg,
        decode,
        fetch,
        opts.views?.[submitted],
      );
    }
  };
  const results = new Array<ImageEmbedResult>(n);
  const pixels = new Float32Array(batchSize * size);
  submitUpTo(3 * batchSize);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const prepared = await Promise.all(tasks.slice(start, end));
    // Keep the workers busy with later batches while this one is encoded.
    submitUpTo(end + 2 * batchSize);
    const ok: number[] = [];
    prepared.forEach((r, k) => {
      const i = start + k;
      tasks[i] = undefined;
      if (r!.error !== undefined) {
        results[i] = { input: sourceName(sources[i], i), code: r!.code, error: r!.error };
      } else {
        pixels.set(r!.pixels!, ok.length * size);
        ok.push(i);
      }
    });
    if (ok.length > 0) {
      const embeddings = await model.embedPixels(
        pixels.subarray(0, ok.length * size),
        ok.length,
        opts.normalize ?? true,
      );
      ok.forEach((i, r) => {
        results[i] = { input: sourceName(sources[i], i), embedding: embeddings[r] };
      });
    }
    if (opts.onResult) for (let i = start; i < end; i++) opts.onResult(results[i], i);
    opts.onProgress?.(end, n);
  }
  return results;
}
