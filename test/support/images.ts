/**
 * Test images made in code: small files in every supported format, transparent, grey, palette,
 * 16-bit, EXIF-rotated, ICC-tagged, and bad inputs (decompression bomb, truncated JPEG, empty,
 * text). PNGs whose exact bytes matter are written by a tiny encoder here, independent of sharp.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { crc32 } from "../../src/util/crc32.js";

/** Interleaved 8-bit pixels with 1 to 4 channels. */
export interface RawPixels {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** Deterministic pseudo-random pixels (a 32-bit LCG), so failures reproduce. */
export function noisePixels(
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4 = 3,
  seed = 1,
): RawPixels {
  const data = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, channels, data };
}

/** Every pixel the same; `value` has one entry per channel. */
export function solidPixels(width: number, height: number, value: number[]): RawPixels {
  const channels = value.length as 1 | 2 | 3 | 4;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = value[i % channels];
  return { width, height, channels, data };
}

export type SharpFormat = "png" | "jpeg" | "webp" | "gif" | "tiff" | "avif";

/** Encodes raw pixels with sharp. Lossless where the format allows (PNG, WebP, TIFF). */
export async function encodeWithSharp(
  px: RawPixels,
  format: SharpFormat,
  options: Record<string, unknown> = {},
): Promise<Uint8Array> {
  const img = sharp(Buffer.from(px.data), {
    raw: { width: px.width, height: px.height, channels: px.channels },
  });
  const defaults: Record<SharpFormat, Record<string, unknown>> = {
    png: {},
    jpeg: { quality: 100, chromaSubsampling: "4:4:4" },
    webp: { lossless: true },
    gif: {},
    tiff: { compression: "lzw" },
    avif: { quality: 90 },
  };
  const out = await img.toFormat(format, { ...defaults[format], ...options }).toBuffer();
  return new Uint8Array(out);
}

// ---------------------------------------------------------------------------------------------
// A minimal PNG encoder (no filtering, one IDAT), so tests control colour type, bit depth,
// palette, tRNS and iCCP exactly.

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface PngSpec {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: 0 | 2 | 3 | 4 | 6;
  bitDepth?: 1 | 2 | 4 | 8 | 16;
  /** Packed samples, row after row, without filter bytes (16-bit samples big-endian). */
  data: Uint8Array;
  /** PLTE: RGB triplets. */
  palette?: Uint8Array;
  /** tRNS chunk payload, as the PNG specification lays it out for the colour type. */
  trns?: Uint8Array;
  /** iCCP: an ICC profile to embed. */
  icc?: Uint8Array;
  /** Already-compressed IDAT payload, for images too large to build row by row. */
  idat?: Uint8Array;
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes per row (without the filter byte). */
export function pngRowBytes(width: number, colourType: number, bitDepth: number): number {
  return Math.ceil((width * SAMPLES[colourType] * bitDepth) / 8);
}

export function encodePng(spec: PngSpec): Uint8Array {
  const bitDepth = spec.bitDepth ?? 8;
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, spec.width);
  v.setUint32(4, spec.height);
  ihdr[8] = bitDepth;
  ihdr[9] = spec.colourType;
  let idat = spec.idat;
  if (!idat) {
    const rowBytes = pngRowBytes(spec.width, spec.colourType, bitDepth);
    const raw = new Uint8Array((rowBytes + 1) * spec.height);
    for (let y = 0; y < spec.height; y++) {
      raw.set(spec.data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
    }
    idat = deflateSync(raw);
  }
  const parts: Uint8Array[] = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
  ];
  if (spec.icc) {
    const name = new TextEncoder().encode("test profile");
    const payload = new Uint8Array([...name, 0, 0, ...deflateSync(spec.icc)]);
    parts.push(chunk("iCCP", payload));
  }
  if (spec.palette) parts.push(chunk("PLTE", spec.palette));
  if (spec.trns) parts.push(chunk("tRNS", spec.trns));
  parts.push(chunk("IDAT", idat), chunk("IEND", new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** 8-bit raw pixels as a PNG of the matching colour type (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
export function pngFromPixels(px: RawPixels): Uint8Array {
  const colourType = ({ 1: 0, 2: 4, 3: 2, 4: 6 } as const)[px.channels];
  return encodePng({ width: px.width, height: px.height, colourType, data: px.data });
}

/**
 * A valid 1-bit grey PNG declaring `side` x `side` pixels (default 12000², i.e. 144 M pixels),
 * all black: ~20 KB on disk, 144 MB or more once decoded to 8 bits.
 */
export function decompressionBombPng(side = 12000): Uint8Array {
  const rowBytes = pngRowBytes(side, 0, 1);
  // Filter byte 0 followed by zero samples: every byte of the raw stream is zero.
  const idat = deflateSync(new Uint8Array((rowBytes + 1) * side), { level: 9 });
  return encodePng({
    width: side,
    height: side,
    colourType: 0,
    bitDepth: 1,
    data: new Uint8Array(0),
    idat,
  });
}

/** A JPEG of noise cut to `fraction` of its length (the end of the entropy data is missing). */
export async function truncatedJpeg(fraction = 0.5): Promise<Uint8Array> {
  const full = await encodeWithSharp(noisePixels(64, 64, 3, 7), "jpeg", { quality: 90 });
  return full.subarray(0, Math.floor(full.length * fraction));
}

/**
 * A valid JPEG and a copy with 3 stray bytes before its SOS marker: libjpeg decodes it the same
 * but warns "Corrupt JPEG data: 3 extraneous bytes before marker 0xda" (Pillow ignores that).
 */
export async function jpegWithExtraneousBytes(): Promise<{
  clean: Uint8Array;
  warned: Uint8Array;
}> {
  const clean = await encodeWithSharp(noisePixels(32, 32, 3, 3), "jpeg");
  let sos = -1;
  for (let i = 0; i < clean.length - 1 && sos < 0; i++) {
    if (clean[i] === 0xff && clean[i + 1] === 0xda) sos = i;
  }
  const warned = new Uint8Array(clean.length + 3);
  warned.set(clean.subarray(0, sos));
  warned.set([1, 2, 3], sos);
  warned.set(clean.subarray(sos), sos + 3);
  return { clean, warned };
}

/**
 * A JPEG whose stored pixels are `width` x `height` (left half red, right half blue) carrying an
 * EXIF Orientation tag (6 = display rotated 90° clockwise).
 */
export async function exifOrientedJpeg(
  orientation: number,
  width = 32,
  height = 16,
): Promise<Uint8Array> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      if (x < width / 2) data[p] = 255;
      else data[p + 2] = 255;
    }
  }
  const out = await sharp(Buffer.from(data), { raw: { width, height, channels: 3 } })
    .withMetadata({ orientation })
    .jpeg({ quality: 100, chromaSubsampling: "4:4:4" })
    .toBuffer();
  return new Uint8Array(out);
}

/** The Display P3 ICC profile bundled with sharp/libvips (a non-sRGB profile). */
export async function displayP3Profile(): Promise<Uint8Array> {
  const tagged = await sharp({
    create: { width: 2, height: 2, channels: 3, background: { r: 10, g: 20, b: 30 } },
  })
    .withIccProfile("p3")
    .png()
    .toBuffer();
  const icc = (await sharp(tagged).metadata()).icc;
  if (!icc) throw new Error("sharp did not embed the p3 profile");
  return new Uint8Array(icc);
}

/** Not an image: text in a file that will be named `.jpg`. */
export function textBytes(text = "hello, this is not a picture\n"): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A fresh temporary directory; remove it with `removeDir`. */
export async function makeTempDir(prefix = "zeroclip-img-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
