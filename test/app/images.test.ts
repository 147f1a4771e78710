/**
 * One `ImageSettings` value reaches decoding and fetching whole: what a use case resolves once
 * (`resolveImageSettings`) is exactly what the image pipeline receives through
 * `modelImageEmbedder`, for every field, with no second default filled in on the way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { imageEmbedOptions, modelImageEmbedder } from "../../src/app/images.js";
import { DEFAULT_MAX_PIXELS } from "../../src/image/decode.js";
import { resolveImageSettings } from "../../src/image/settings.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from "../../src/image/source.js";
import type { ImageEmbedOptions } from "../../src/model/image-pipeline.js";

describe("image settings into the pipeline", () => {
  it("every field of the settings reaches embedImages, and nothing else changes them", async () => {
    const settings = resolveImageSettings({
      exifOrientation: false,
      maxPixels: 1234,
      timeoutMs: 567,
      maxBytes: 890,
    });
    let seen: ImageEmbedOptions | undefined;
    const fake = {
      embedImages: async (sources: readonly unknown[], opts: ImageEmbedOptions = {}) => {
        seen = opts;
        return sources.map((_, i) => {
          opts.onResult?.({ input: `#${i}`, embedding: new Float32Array([i]) }, i);
          return { input: `#${i}`, embedding: new Float32Array([i]) };
        });
      },
    };
    const got: number[] = [];
    const out = await modelImageEmbedder(
      fake,
      settings,
      3,
    )(["a", "b"], {
      onResult: (o, i) => got.push(i, o.error === undefined ? o.embedding[0] : -1),
    });
    assert.equal(out.length, 2);
    assert.deepEqual(got, [0, 0, 1, 1]);
    assert.equal(seen?.exifOrientation, false);
    assert.equal(seen?.maxPixels, 1234);
    assert.equal(seen?.timeoutMs, 567);
    assert.equal(seen?.maxBytes, 890);
    assert.equal(seen?.batchSize, 3);
  });

  it("the defaults are the documented ones (EXIF on, 100 M pixels, 30 s, 100 MiB)", () => {
    const opts = imageEmbedOptions(resolveImageSettings());
    assert.deepEqual(opts, {
      exifOrientation: true,
      maxPixels: 100_000_000,
      timeoutMs: 30_000,
      maxBytes: 100 * 1024 * 1024,
    });
    // And they are the pipeline's own defaults, so leaving settings out changes nothing.
    assert.deepEqual(
      [DEFAULT_MAX_PIXELS, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_BYTES],
      [opts.maxPixels, opts.timeoutMs, opts.maxBytes],
    );
  });
});
