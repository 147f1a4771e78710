import { type DecodeOptions, decodeImage } from "../image/decode.js";
import { preprocessImage } from "../image/preprocess.js";
import { type FetchOptions, type ImageSource, readImageSource } from "../image/source.js";
import type { PreprocessConfig } from "../image/types.js";
import { errorMessage } from "../util/errors.js";

/** What the pipeline needs from a model (kept narrow so it can be tested alone). */
export interface PixelEmbedder {
  readonly preprocess: PreprocessConfig;
  embedPixels(pixels: Float32Array, count: number, normalize?: boolean): Promise<Float32Array[]>;
}

export interface ImageEmbedOptions extends DecodeOptions, FetchOptions {
  /** Images per encoder call (default 16). */
  batchSize?: number;
  /** L2-normalize each embedding (default true). */
  normalize?: boolean;
  /** Called after each batch with the number of inputs finished so far. */
  onProgress?: (done: number, total: number) => void;
}

/** One input's outcome: an embedding, or a one-line error. */
export type ImageEmbedResult =
  | { input: string; embedding: Float32Array; error?: undefined }
  | { input: string; error: string; embedding?: undefined };

/** How an input is named in results: paths and URLs as given, bytes by position. */
export function sourceName(src: ImageSource, index: number): string {
  return typeof src === "string" ? src : `<bytes #${index}>`;
}

interface PreparedBatch {
  indices: number[];
  pixels: Float32Array;
  ok: number[];
  errors: Map<number, string>;
}

/**
 * Decode, preprocess and embed images in batches. Batch k+1 is read, decoded and resized while
 * onnxruntime runs batch k, so at most two batches of pixels are held at once.
 */
export async function embedImageSources(
  model: PixelEmbedder,
  sources: readonly ImageSource[],
  opts: ImageEmbedOptions = {},
): Promise<ImageEmbedResult[]> {
  const batchSize = Math.max(1, opts.batchSize ?? 16);
  const cfg = model.preprocess;
  const size = 3 * cfg.cropHeight * cfg.cropWidth;
  const results = new Array<ImageEmbedResult>(sources.length);

  const prepare = async (indices: number[]): Promise<PreparedBatch> => {
    const pixels = new Float32Array(indices.length * size);
    const errors = new Map<number, string>();
    const slots = await Promise.all(
      indices.map(async (i) => {
        try {
          const bytes = await readImageSource(sources[i], opts);
          return await decodeImage(bytes, opts);
        } catch (err) {
          errors.set(i, errorMessage(err));
          return undefined;
        }
      }),
    );
    const ok: number[] = [];
    slots.forEach((img, k) => {
      if (!img) return;
      try {
        preprocessImage(img, cfg, pixels, ok.length * size);
        ok.push(indices[k]);
      } catch (err) {
        errors.set(indices[k], errorMessage(err));
      }
    });
    return { indices, pixels, ok, errors };
  };

  const batches: number[][] = [];
  for (let i = 0; i < sources.length; i += batchSize) {
    batches.push(Array.from({ length: Math.min(batchSize, sources.length - i) }, (_, k) => i + k));
  }
  let done = 0;
  let next = batches.length > 0 ? prepare(batches[0]) : undefined;
  for (let b = 0; b < batches.length; b++) {
    const batch = await next!;
    next = b + 1 < batches.length ? prepare(batches[b + 1]) : undefined;
    for (const [i, error] of batch.errors) results[i] = { input: sourceName(sources[i], i), error };
    if (batch.ok.length > 0) {
      const pixels = batch.pixels.subarray(0, batch.ok.length * size);
      const embeddings = await model.embedPixels(pixels, batch.ok.length, opts.normalize ?? true);
      batch.ok.forEach((i, r) => {
        results[i] = { input: sourceName(sources[i], i), embedding: embeddings[r] };
      });
    }
    done += batch.indices.length;
    opts.onProgress?.(done, sources.length);
  }
  return results;
}
