import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { decodeImage } from "../../src/image/decode.js";
import type { RgbImage } from "../../src/image/types.js";
import {
  displayP3Profile,
  encodePng,
  encodeWithSharp,
  exifOrientedJpeg,
  noisePixels,
  pngFromPixels,
  solidPixels,
} from "../support/images.js";

function pixel(img: RgbImage, x: number, y: number): number[] {
  const p = (y * img.width + x) * 3;
  return [...img.data.subarray(p, p + 3)];
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe("decodeImage: formats", () => {
  it("decodes lossless formats to exactly the encoded pixels", async () => {
    const px = noisePixels(13, 7, 3, 42);
    for (const format of ["png", "webp", "tiff"] as const) {
      const img = await decodeImage(await encodeWithSharp(px, format));
      assert.equal(img.width, 13, format);
      assert.equal(img.height, 7, format);
      assert.deepEqual(img.data, px.data, format);
    }
    // The independent PNG encoder too.
    assert.deepEqual((await decodeImage(pngFromPixels(px))).data, px.data);
  });

  it("decodes JPEG and AVIF close to the source", async () => {
    const px = solidPixels(16, 16, [200, 100, 50]);
    for (const [format, tol] of [
      ["jpeg", 2],
      ["avif", 8],
    ] as const) {
      const img = await decodeImage(await encodeWithSharp(px, format));
      assert.equal(img.width, 16);
      assert.ok(maxAbsDiff(img.data, px.data) <= tol, `${format} off by more than ${tol}`);
    }
  });

  it("decodes the first frame of an animated GIF", async () => {
    // Three 4x4 frames: red, green, blue (exact palette colours).
    const frames = new Uint8Array(4 * 12 * 3);
    for (let i = 0; i < 48; i++) frames[i * 3 + Math.floor(i / 16)] = 255;
    const gif = await sharp(Buffer.from(frames), {
      raw: { width: 4, height: 12, channels: 3, pageHeight: 4 },
    })
      .gif()
      .toBuffer();
    const img = await decodeImage(gif);
    assert.deepEqual([img.width, img.height], [4, 4]);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) assert.deepEqual(pixel(img, x, y), [255, 0, 0]);
  });
});

describe("decodeImage: conversion to RGB like convert_to_rgb", () => {
  it("composites RGBA over white with Pillow's rounding", async () => {
    const rgba = new Uint8Array([100, 200, 0, 128, 9, 9, 9, 0, 1, 2, 3, 255, 0, 0, 0, 1]);
    const png = pngFromPixels({ width: 4, height: 1, channels: 4, data: rgba });
    const img = await decodeImage(png);
    // Hand values from Pillow's formula (see composite.test.ts): 177, 227, 127 at a=128;
    // transparent -> white; opaque unchanged; black at a=1 -> 254.
    assert.deepEqual([...img.data], [177, 227, 127, 255, 255, 255, 1, 2, 3, 254, 254, 254]);
    // Lossless WebP carries the same alpha.
    const webp = await encodeWithSharp({ width: 4, height: 1, channels: 4, data: rgba }, "webp");
    assert.deepEqual([...(await decodeImage(webp)).data.subarray(6)], [1, 2, 3, 254, 254, 254]);
  });

  it("replicates grey and composites grey + alpha", async () => {
    const grey = await decodeImage(
      pngFromPixels({ width: 3, height: 1, channels: 1, data: new Uint8Array([0, 77, 255]) }),
    );
    assert.deepEqual([...grey.data], [0, 0, 0, 77, 77, 77, 255, 255, 255]);
    const la = new Uint8Array([100, 128, 50, 0]);
    const img = await decodeImage(pngFromPixels({ width: 2, height: 1, channels: 2, data: la }));
    assert.deepEqual([...img.data], [177, 177, 177, 255, 255, 255]);
  });

  it("applies a palette's transparency", async () => {
    const png = encodePng({
      width: 3,
      height: 1,
      colourType: 3,
      data: new Uint8Array([0, 1, 2]),
      palette: new Uint8Array([100, 200, 0, 10, 20, 30, 7, 8, 9]),
      trns: new Uint8Array([128, 0]), // entry 2 has no tRNS value: opaque
    });
    assert.deepEqual([...(await decodeImage(png)).data], [177, 227, 127, 255, 255, 255, 7, 8, 9]);
  });

  it("ignores the tRNS colour key of an RGB PNG, as Pillow does", async () => {
    const png = encodePng({
      width: 2,
      height: 1,
      colourType: 2,
      data: new Uint8Array([10, 20, 30, 40, 50, 60]),
      trns: new Uint8Array([0, 10, 0, 20, 0, 30]),
    });
    assert.equal((await sharp(png).metadata()).hasAlpha, true); // libvips does apply it
    assert.deepEqual([...(await decodeImage(png)).data], [10, 20, 30, 40, 50, 60]);
  });

  it("keeps the high byte of 16-bit samples", async () => {
    const samples = [0x0000, 0x00ff, 0x0100, 0x03e8, 0xffff, 0x8000];
    const data = new Uint8Array(samples.flatMap((s) => [s >> 8, s & 255]));
    const rgb = encodePng({ width: 2, height: 1, colourType: 2, bitDepth: 16, data });
    assert.deepEqual([...(await decodeImage(rgb)).data], [0, 0, 1, 3, 255, 128]);
    const grey = encodePng({ width: 6, height: 1, colourType: 0, bitDepth: 16, data });
    assert.deepEqual(
      [...(await decodeImage(grey)).data].filter((_, i) => i % 3 === 0),
      [0, 0, 1, 3, 255, 128],
    );
  });

  it("converts CMYK without colour management", async () => {
    const cmyk = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 220, g: 30, b: 40 } },
    })
      .toColourspace("cmyk")
      .jpeg({ quality: 100 })
      .toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, "cmyk");
    const img = await decodeImage(cmyk);
    assert.deepEqual([img.width, img.height, img.data.length], [8, 8, 8 * 8 * 3]);
    const [r, g, b] = pixel(img, 4, 4);
    assert.ok(r > 150 && g < 100 && b < 100, `still red: ${r} ${g} ${b}`);
  });
});

describe("decodeImage: ICC profiles are ignored", () => {
  it("returns the stored values of an image tagged Display P3", async () => {
    const icc = await displayP3Profile();
    const data = new Uint8Array([250, 20, 20, 20, 200, 40, 30, 30, 230, 128, 128, 128]);
    const png = encodePng({ width: 4, height: 1, colourType: 2, data, icc });
    // The profile is real and not sRGB: colour management would change these values.
    const managed = await sharp(png).raw().toBuffer();
    assert.ok(maxAbsDiff(new Uint8Array(managed), data) > 5, "profile should matter");
    assert.deepEqual([...(await decodeImage(png)).data], [...data]);
  });
});

describe("decodeImage: EXIF orientation", () => {
  it("applies the Orientation tag by default and not with exifOrientation: false", async () => {
    // Stored 32x16, left half red, right half blue; 6 = rotate 90° clockwise for display,
    // so the red half ends up on top.
    const jpeg = await exifOrientedJpeg(6);
    assert.equal((await sharp(jpeg).metadata()).orientation, 6);
    const upright = await decodeImage(jpeg);
    assert.deepEqual([upright.width, upright.height], [16, 32]);
    const top = pixel(upright, 8, 2);
    const bottom = pixel(upright, 8, 29);
    assert.ok(top[0] > 200 && top[2] < 50, `top is red: ${top}`);
    assert.ok(bottom[2] > 200 && bottom[0] < 50, `bottom is blue: ${bottom}`);

    const stored = await decodeImage(jpeg, { exifOrientation: false });
    assert.deepEqual([stored.width, stored.height], [32, 16]);
    const left = pixel(stored, 2, 8);
    assert.ok(left[0] > 200 && left[2] < 50, `left is red: ${left}`);
  });
});
