/**
 * A request's images → embeddings through the shared batcher. Strings are URLs, data: URIs or
 * base64 (never file paths); uploaded files arrive as bytes. A string that cannot be an image
 * gets its error without reaching the queue.
 */
import type { ImageEmbedder, ImageOutcome } from "../app/images.js";
import { parseInlineImage } from "../image/inline.js";
import type { ImageSource } from "../image/source.js";
import { inputFailure } from "../util/errors.js";
import type { ServeContext } from "./context.js";

/** One image's outcome, in request order (the use cases' type). */
export type { ImageOutcome };

/**
 * Embed a request's images; per-image failures are error entries, never a failed call.
 * `exifOrientation` overrides the server's setting (a search query is decoded as its store's).
 */
export async function embedRequestImages(
  ctx: ServeContext,
  inputs: readonly (string | Uint8Array)[],
  signal: AbortSignal,
  opts: { exifOrientation?: boolean } = {},
): Promise<ImageOutcome[]> {
  const out = new Array<ImageOutcome>(inputs.length);
  const sources: ImageSource[] = [];
  const at: number[] = [];
  inputs.forEach((input, i) => {
    try {
      const src =
        typeof input === "string"
          ? parseInlineImage(input, { allowUrls: ctx.settings.allowUrlInputs })
          : input;
      sources.push(src);
      at.push(i);
    } catch (err) {
      out[i] = inputFailure(err);
    }
  });
  const results = await ctx.batcher.embed(sources, {
    signal,
    exifOrientation: opts.exifOrientation,
  });
  results.forEach((r, k) => {
    out[at[k]] = r.embedding ? { embedding: r.embedding } : { code: r.code, error: r.error };
  });
  return out;
}

/**
 * The server's `ImageEmbedder` for the use cases (classify, embed): a request's images through
 * the shared batcher, decoded with the server's image settings (`ctx.image`).
 */
export function requestImageEmbedder(ctx: ServeContext, signal: AbortSignal): ImageEmbedder {
  return async (sources, opts) => {
    const outcomes = await embedRequestImages(ctx, sources as (string | Uint8Array)[], signal);
    for (const [i, o] of outcomes.entries()) opts.onResult?.(o, i);
    opts.onProgress?.(outcomes.length, outcomes.length);
    return outcomes;
  };
}
