import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import sharp, { type Sharp } from "sharp";
import { decodeImage } from "../../src/image/decode.js";
import { jpegFrame, pngSize } from "../../src/image/sniff.js";
import { InputError } from "../../src/util/errors.js";
import { encodeWithSharp, exifOrientedJpeg, noisePixels } from "../support/images.js";
import { sharedDir } from "../support/paths.js";

/** A one-component (greyscale) JPEG. */
async function greyJpeg(width: number, height: number): Promise<Uint8Array> {
  const px = noisePixels(width, height, 1);
  const raw = { width, height, channels: 1 as const };
  return new Uint8Array(
    await sharp(Buffer.from(px.data), { raw }).toColourspace("b-w").jpeg().toBuffer(),
  );
}

/** A colour JPEG of noise, written by sharp after `edit` (a colourspace, a profile). */
async function colourJpeg(
  width: number,
  height: number,
  edit: (img: Sharp) => Sharp,
): Promise<Uint8Array> {
  const img = sharp(Buffer.from(noisePixels(width, height).data), {
    raw: { width, height, channels: 3 },
  });
  return new Uint8Array(await edit(img).jpeg().toBuffer());
}

/** sharp's own reading of the header: the independent expectation for jpegFrame. */
async function sharpFrame(bytes: Uint8Array) {
  const m = await sharp(bytes).metadata();
  return { width: m.width, height: m.height, components: m.channels };
}

/** A 40 × 30 image is refused above 1,000 pixels with the common message, and decodes at 1,200. */
async function refusedFromHeader(format: "png" | "jpeg"): Promise<void> {
  const bytes = await encodeWithSharp(noisePixels(40, 30), format);
  const name = `big.${format === "png" ? "png" : "jpg"}`;
  await assert.rejects(decodeImage(bytes, { maxPixels: 1000, name }), (err) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.message, `image has 1200 pixels, above the 1000 limit: ${name}`);
    return true;
  });
  assert.equal((await decodeImage(bytes, { maxPixels: 1200 })).width, 40);
}

describe("jpegFrame", () => {
  it("reads width, height and components as sharp does, for every kind of JPEG", async () => {
    const jpegs: [string, Uint8Array][] = [
      ["grey", await greyJpeg(37, 21)],
      [
        "colour 4:4:4",
        await encodeWithSharp(noisePixels(50, 33), "jpeg", { chromaSubsampling: "4:4:4" }),
      ],
      [
        "colour 4:2:0",
        await encodeWithSharp(noisePixels(64, 9), "jpeg", { chromaSubsampling: "4:2:0" }),
      ],
      ["progressive", await encodeWithSharp(noisePixels(31, 45), "jpeg", { progressive: true })],
      ["EXIF-rotated (stored size)", await exifOrientedJpeg(6, 32, 16)],
      ["CMYK", await colourJpeg(20, 10, (img) => img.toColourspace("cmyk"))],
      ["with an ICC profile", await colourJpeg(25, 12, (img) => img.withIccProfile("p3"))],
    ];
    for (const [name, bytes] of jpegs) {
      assert.deepEqual(jpegFrame(bytes), await sharpFrame(bytes), name);
    }
    assert.equal(jpegFrame(jpegs[0][1])?.components, 1);
    assert.equal(jpegFrame(jpegs[5][1])?.components, 4);
  });

  it("agrees with sharp on the ImageNet photos", async (t) => {
    const dir = join(sharedDir, "data", "imagenet-dev");
    if (!existsSync(dir)) return t.skip("../shared not present");
    const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f));
    assert.ok(files.length > 0);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      assert.deepEqual(jpegFrame(bytes), await sharpFrame(bytes), f);
    }
  });

  it("returns undefined for what is not a well-formed JPEG header", async () => {
    const jpeg = await encodeWithSharp(noisePixels(16, 16), "jpeg");
    assert.equal(jpegFrame(await encodeWithSharp(noisePixels(4, 4), "png")), undefined);
    assert.equal(jpegFrame(new Uint8Array(0)), undefined);
    assert.equal(jpegFrame(jpeg.subarray(0, 20)), undefined, "cut before the frame header");
    const garbage = Uint8Array.from(jpeg);
    garbage[2] = 0x00; // no marker after SOI
    assert.equal(jpegFrame(garbage), undefined);
  });
});

describe("pngSize", () => {
  it("reads width and height as sharp does, for every PNG colour type and bit depth", async () => {
    for (const [channels, options] of [
      [1, {}],
      [3, {}],
      [4, {}],
      [3, { palette: true }],
      [3, { bitdepth: 16 }],
      [1, { bitdepth: 2 }],
    ] as const) {
      const png = await encodeWithSharp(noisePixels(37, 21, channels), "png", options);
      const meta = await sharp(png).metadata();
      assert.deepEqual(pngSize(png), { width: meta.width, height: meta.height }, `${channels}`);
    }
  });

  it("returns undefined for what is not a well-formed IHDR chunk", async () => {
    const png = await encodeWithSharp(noisePixels(8, 8), "png");
    assert.equal(pngSize(await encodeWithSharp(noisePixels(8, 8), "jpeg")), undefined);
    assert.equal(pngSize(png.subarray(0, 30)), undefined, "cut inside IHDR");
    const badCrc = Uint8Array.from(png);
    badCrc[29] ^= 1;
    assert.equal(pngSize(badCrc), undefined, "IHDR CRC");
    const zeroWidth = Uint8Array.from(png);
    zeroWidth.fill(0, 16, 20);
    assert.equal(pngSize(zeroWidth), undefined, "width 0");
  });

  it("decodeImage reads a PNG's size from IHDR: the pixel limit's message is the same", () =>
    refusedFromHeader("png"));
});

describe("decodeImage from a JPEG's frame header", () => {
  it("refuses an oversized JPEG from its header, with the same message as other formats", () =>
    refusedFromHeader("jpeg"));

  it("reports a JPEG corrupt after its header as corrupt or truncated", async () => {
    const jpeg = await encodeWithSharp(noisePixels(64, 64), "jpeg");
    await assert.rejects(decodeImage(jpeg.subarray(0, jpeg.length >> 1)), (err) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /^truncated image \(/);
      return true;
    });
  });

  it("decodes a grey JPEG, read from its frame header, by replicating its one band", async () => {
    const grey = await greyJpeg(9, 7);
    assert.equal(jpegFrame(grey)?.components, 1);
    const img = await decodeImage(grey);
    const { data: raw, info } = await sharp(grey).raw().toBuffer({ resolveWithObject: true });
    assert.equal(img.data.length, 9 * 7 * 3);
    for (let i = 0; i < 9 * 7; i++) {
      for (let c = 0; c < 3; c++)
        assert.equal(img.data[i * 3 + c], raw[i * info.channels], `pixel ${i}`);
    }
  });
});
