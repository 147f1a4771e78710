import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { decodeImage } from "../../src/image/decode.js";
import type { InputErrorCode } from "../../src/util/error-codes.js";
import { InputError } from "../../src/util/errors.js";
import {
  decompressionBombPng,
  encodeWithSharp,
  jpegWithExtraneousBytes,
  noisePixels,
  textBytes,
  truncatedJpeg,
} from "../support/images.js";

/** Asserts an InputError with this code whose one-line message matches `re`. */
async function rejectsInput(p: Promise<unknown>, re: RegExp, code: InputErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.message, re);
    assert.equal(err.code, code, err.message);
    assert.ok(!err.message.includes("\n"), `one line: ${JSON.stringify(err.message)}`);
    return true;
  });
}

describe("decodeImage: bad input", () => {
  it("refuses zero bytes", async () => {
    await rejectsInput(
      decodeImage(new Uint8Array(0), { name: "empty.jpg" }),
      /^empty file \(0 bytes\): empty\.jpg$/,
      "image_unreadable",
    );
  });

  it("names text and markup that are not images", async () => {
    await rejectsInput(
      decodeImage(textBytes(), { name: "foo.jpg" }),
      /^not an image \(text\/plain\?\): foo\.jpg$/,
      "image_unreadable",
    );
    await rejectsInput(
      decodeImage(textBytes("<!DOCTYPE html><html><body>404</body></html>")),
      /^not an image \(text\/html\?\)$/,
      "image_unreadable",
    );
    await rejectsInput(
      decodeImage(new Uint8Array([0, 1, 2, 3, 250, 251, 252, 0, 9])),
      /^not an image \(unrecognised format\)$/,
      "image_unreadable",
    );
  });

  it("refuses formats outside the pipeline (SVG)", async () => {
    const svg = textBytes('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await rejectsInput(decodeImage(svg), /^unsupported image format \(svg\)$/, "image_unsupported");
  });

  it("refuses a truncated JPEG instead of returning grey pixels", async () => {
    const bytes = await truncatedJpeg(0.5);
    // sharp on its own would decode it ("failOn: none") and fill the rest.
    await sharp(bytes, { failOn: "none" }).raw().toBuffer();
    await rejectsInput(
      decodeImage(bytes, { name: "cut.jpg" }),
      /^truncated image \(.+\): cut\.jpg$/,
      "image_unreadable",
    );
  });

  it("accepts a JPEG that only triggers a libjpeg warning, as Pillow does", async () => {
    const { clean, warned } = await jpegWithExtraneousBytes();
    // sharp's default (failOn: "warning") would refuse it.
    await assert.rejects(sharp(warned).raw().toBuffer(), /extraneous bytes/);
    assert.deepEqual((await decodeImage(warned)).data, (await decodeImage(clean)).data);
  });

  it("refuses a JPEG with a corrupt header", async () => {
    const jpeg = await encodeWithSharp(noisePixels(16, 16), "jpeg");
    const broken = jpeg.slice(0, 40);
    await rejectsInput(
      decodeImage(broken),
      /^(corrupt|truncated) image \(.+\)$/,
      "image_unreadable",
    );
  });

  it("refuses a truncated PNG", async () => {
    const png = await encodeWithSharp(noisePixels(64, 64), "png");
    await rejectsInput(
      decodeImage(png.slice(0, png.length - 200)),
      /^(truncated|truncated or corrupt|corrupt) image \(.+\)$/,
      "image_unreadable",
    );
  });

  it("refuses a decompression bomb from its header, fast and without the memory", async () => {
    const bomb = decompressionBombPng(12000); // 144 M pixels
    assert.ok(bomb.length < 100_000, `bomb is ${bomb.length} bytes`);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    await rejectsInput(
      decodeImage(bomb, { name: "bomb.png" }),
      /^image has 144000000 pixels, above the 100000000 limit: bomb\.png$/,
      "image_too_large",
    );
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().rss - rss0;
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.ok(grown < 64 * 1024 * 1024, `rss grew by ${grown} bytes`);
  });

  it("honours a custom maxPixels", async () => {
    const png = await encodeWithSharp(noisePixels(40, 30), "png");
    await rejectsInput(
      decodeImage(png, { maxPixels: 1000 }),
      /^image has 1200 pixels, above the 1000 limit$/,
      "image_too_large",
    );
    const img = await decodeImage(png, { maxPixels: 1200 });
    assert.equal(img.width, 40);
  });
});
