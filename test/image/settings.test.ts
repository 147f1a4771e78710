/** One image-settings value: its documented defaults, and the part that keys embeddings. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { embeddingImageSettings, resolveImageSettings } from "../../src/image/settings.js";
import { PREPROCESS_VERSION } from "../../src/image/version.js";

describe("image settings", () => {
  it("defaults: EXIF on, 100 M pixels, 30 s and 100 MiB per download", () => {
    assert.deepEqual(resolveImageSettings(), {
      exifOrientation: true,
      maxPixels: 100_000_000,
      preprocessVersion: PREPROCESS_VERSION,
      fetch: { timeoutMs: 30_000, maxBytes: 104_857_600 },
    });
  });

  it("what a caller sets wins; the preprocessing version cannot be set", () => {
    const s = resolveImageSettings({
      exifOrientation: false,
      maxPixels: 5,
      timeoutMs: 7,
      maxBytes: 9,
      ...({ preprocessVersion: 99 } as object),
    });
    assert.deepEqual(s, {
      exifOrientation: false,
      maxPixels: 5,
      preprocessVersion: PREPROCESS_VERSION,
      fetch: { timeoutMs: 7, maxBytes: 9 },
    });
  });

  it("only EXIF orientation and the preprocessing version key embeddings", () => {
    const a = resolveImageSettings({ exifOrientation: false, maxPixels: 5, timeoutMs: 1 });
    const b = resolveImageSettings({ exifOrientation: false, maxPixels: 6, maxBytes: 2 });
    assert.deepEqual(embeddingImageSettings(a), {
      exifOrientation: false,
      preprocessVersion: PREPROCESS_VERSION,
    });
    assert.deepEqual(embeddingImageSettings(a), embeddingImageSettings(b));
  });
});
