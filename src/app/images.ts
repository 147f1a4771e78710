/**
 * Images into embeddings for the use cases, with one `ImageSettings` value deciding how bytes
 * become pixels: resolved once per request, the same value reaches decoding (EXIF, pixel cap)
 * and fetching (download caps). The CLI and library embed through the model's overlapped
 * pipeline; the server supplies its own `ImageEmbedder` (its shared batcher).
 */
import type { ImageSettings } from "../image/settings.js";
import { expandInputs, type ImageSource } from "../image/source.js";
import type { ClipModel } from "../model/clip-model.js";
import type { ImageEmbedOptions, ImageEmbedResult } from "../model/image-pipeline.js";
import { type InputFailure, UsageError } from "../util/errors.js";

/** One input's embedding or its error (results carry no name: the caller knows its inputs). */
export type ImageOutcome =
  | { embedding: Float32Array; error?: undefined; code?: undefined }
  | ({ embedding?: undefined } & InputFailure);

/** Embeds images in input order; a bad input is an error entry, never a failed call. */
export type ImageEmbedder = (
  sources: readonly ImageSource[],
  opts: {
    onResult?: (outcome: ImageOutcome, index: number) => void;
    onProgress?: (done: number, total: number) => void;
  },
) => Promise<ImageOutcome[]>;

/** The decode and fetch options of `settings`, as the image pipeline takes them. */
export function imageEmbedOptions(
  settings: ImageSettings,
): Pick<ImageEmbedOptions, "exifOrientation" | "maxPixels" | "timeoutMs" | "maxBytes"> {
  return {
    exifOrientation: settings.exifOrientation,
    maxPixels: settings.maxPixels,
    timeoutMs: settings.fetch.timeoutMs,
    maxBytes: settings.fetch.maxBytes,
  };
}

/** Embed through `model`'s pipeline, `batchSize` images per encoder call, decoded per `settings`. */
export function modelImageEmbedder(
  model: Pick<ClipModel, "embedImages">,
  settings: ImageSettings,
  batchSize?: number,
): ImageEmbedder {
  return (sources, opts) =>
    model.embedImages(sources, {
      ...imageEmbedOptions(settings),
      batchSize,
      onProgress: opts.onProgress,
      onResult: opts.onResult
        ? (r: ImageEmbedResult, i: number) => opts.onResult!(r, i)
        : undefined,
    });
}

/** Folders become the images in them (paths and URLs as given, bytes kept); none is a `UsageError`. */
export async function expandImageSources(inputs: readonly ImageSource[]): Promise<ImageSource[]> {
  const out: ImageSource[] = [];
  for (const input of inputs) {
    if (typeof input === "string") out.push(...(await expandInputs([input])));
    else out.push(input);
  }
  if (out.length === 0) throw new UsageError("no images found in the given folders");
  return out;
}
