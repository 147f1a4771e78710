/**
 * Image settings in a use case: resolved once per request (`resolveImageSettings`) and handed on
 * as one value, so that the settings a cache key or a store identity records and the settings
 * images are decoded with cannot differ.
 */
import type { ImageSettings } from "../image/settings.js";

/** The decode and fetch options of `settings`, as `embedImages` and the image passes take them. */
export function decodeOptions(settings: ImageSettings): {
  exifOrientation: boolean;
  maxPixels: number;
  timeoutMs: number;
  maxBytes: number;
} {
  return {
    exifOrientation: settings.exifOrientation,
    maxPixels: settings.maxPixels,
    timeoutMs: settings.fetch.timeoutMs,
    maxBytes: settings.fetch.maxBytes,
  };
}
