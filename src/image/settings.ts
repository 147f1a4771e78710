/**
 * How image bytes become pixels, as one value: EXIF orientation, the pixel cap, the version of
 * zeroclip's preprocessing code and the download caps for URL inputs. The part that changes an
 * embedding (`embeddingImageSettings`: EXIF orientation and the preprocessing version) belongs
 * in every identity and cache key of image embeddings; the caps decide only whether an image is
 * accepted.
 */
import { DEFAULT_MAX_PIXELS } from "./decode.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from "./source.js";
import { PREPROCESS_VERSION } from "./version.js";

export interface ImageSettings {
  /** Apply the EXIF Orientation tag when decoding. */
  exifOrientation: boolean;
  /** Largest image accepted, in pixels (judged from the header before decoding). */
  maxPixels: number;
  /** Version of zeroclip's decode + resize + normalize code (`PREPROCESS_VERSION`). */
  preprocessVersion: number;
  /** URL inputs: whole-download time (ms) and size (bytes) caps. */
  fetch: { timeoutMs: number; maxBytes: number };
}

/** What a caller may set; everything left out takes its default. */
export interface ImageSettingsInput {
  exifOrientation?: boolean;
  maxPixels?: number;
  timeoutMs?: number;
  maxBytes?: number;
}

/** The settings with every default filled in (EXIF on, 100 M pixels, 30 s, 100 MiB). */
export function resolveImageSettings(given: ImageSettingsInput = {}): ImageSettings {
  return {
    exifOrientation: given.exifOrientation ?? true,
    maxPixels: given.maxPixels ?? DEFAULT_MAX_PIXELS,
    preprocessVersion: PREPROCESS_VERSION,
    fetch: {
      timeoutMs: given.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes: given.maxBytes ?? DEFAULT_MAX_BYTES,
    },
  };
}

/** The settings that change an embedding: part of every identity and cache key of embeddings. */
export interface EmbeddingImageSettings {
  exifOrientation: boolean;
  preprocessVersion: number;
}

export function embeddingImageSettings(
  settings: Pick<ImageSettings, "exifOrientation" | "preprocessVersion">,
): EmbeddingImageSettings {
  return {
    exifOrientation: settings.exifOrientation,
    preprocessVersion: settings.preprocessVersion,
  };
}
