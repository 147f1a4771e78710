/**
 * Bytes to RGB8 with sharp, matching what Pillow + Hugging Face's `convert_to_rgb` produce:
 * embedded ICC profiles ignored (Pillow does not apply them), transparency composited over white
 * with Pillow's integer arithmetic, 16-bit samples reduced to their high byte, CMYK converted
 * with Pillow's naive formula. EXIF orientation is applied unless `exifOrientation: false`.
 * Oversized images are refused from their header, before any pixel is decoded.
 */
import type { Metadata, OutputInfo } from "sharp";
import { InputError } from "../util/errors.js";
import { cmykToRgb, toRgb } from "./composite.js";
import { loadSharp } from "./sharp.js";
import { guessNonImageType, jpegFrame, pngColourType, pngSize } from "./sniff.js";
import type { RgbImage } from "./types.js";

export interface DecodeOptions {
  /** Rotate/flip by the EXIF Orientation tag, as `ImageOps.exif_transpose` would (default true).
   *  `false` is strict Hugging Face behaviour: pixels as stored. */
  exifOrientation?: boolean;
  /** Refuse images with more pixels than this, judged from the header (default 100_000_000;
   *  `Infinity` disables the limit). */
  maxPixels?: number;
  /** A file name or URL to append to error messages. */
  name?: string;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;

/** sharp's `format` names this pipeline accepts (AVIF reports as "heif"). */
const SUPPORTED_FORMATS: ReadonlySet<string> = new Set([
  "jpeg",
  "png",
  "webp",
  "gif",
  "tiff",
  "heif",
]);

/** Truncation is an error, as in Pillow (without LOAD_TRUNCATED_IMAGES); mere libjpeg
 *  warnings ("extraneous bytes before marker") are not, as Pillow also decodes those. */
const FAIL_ON = "truncated" as const;

/** libvips' first message line, without sharp's and libvips' prefixes ("VipsJpeg: "). */
function vipsReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split("\n").find((l) => l.trim().length > 0) ?? msg;
  return first
    .replace(/^\s*Input (buffer|file) has corrupt header:\s*/i, "")
    .replace(/^Vips\w+:\s*/i, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Why bytes could not be read as an image, as a coded one-line error. sharp and libvips give
 * no error codes, only text, so their text is read here (each such test is marked for the test
 * that keeps zeroclip's own errors from being told apart by message text).
 */
function undecodable(bytes: Uint8Array, err: unknown, suffix: string): InputError {
  const msg = err instanceof Error ? err.message : String(err);
  // foreign-error-text: sharp's "Input buffer contains unsupported image format"
  if (/unsupported image format/i.test(msg)) {
    const type = guessNonImageType(bytes);
    const what = type ? `not an image (${type}?)` : "not an image (unrecognised format)";
    return new InputError(what + suffix, "image_unreadable");
  }
  // foreign-error-text: libvips' "Input image exceeds pixel limit"
  if (/pixel limit/i.test(msg)) {
    return new InputError(`image exceeds the pixel limit${suffix}`, "image_too_large");
  }
  const reason = vipsReason(err) || "unreadable header";
  // foreign-error-text: libjpeg, libpng, libwebp and libvips name a cut-off stream thus
  if (/premature end|truncated|unexpected end|short read|not enough data/i.test(reason)) {
    return new InputError(`truncated image (${reason})${suffix}`, "image_unreadable");
  }
  // foreign-error-text: libpng reports a cut-off stream only as a generic read error
  if (/libpng read error/i.test(reason)) {
    return new InputError(`truncated or corrupt image (${reason})${suffix}`, "image_unreadable");
  }
  return new InputError(`corrupt image (${reason})${suffix}`, "image_unreadable");
}

/** What decoding needs to know before it starts: format, stored size, and whether it is CMYK. */
interface Header {
  format: string;
  width: number;
  height: number;
  cmyk: boolean;
}

/**
 * The header facts, without decoding pixels. A grey or colour JPEG (1 or 3 components, nearly
 * every photo) is read from its frame header here, and a PNG from its IHDR chunk (when well
 * formed, CRC included), which saves a second pass of sharp over the bytes; everything else
 * (and any header these parsers do not accept) asks sharp.
 */
async function readHeader(bytes: Uint8Array, suffix: string): Promise<Header> {
  const frame = jpegFrame(bytes);
  if (frame && (frame.components === 1 || frame.components === 3)) {
    return { format: "jpeg", width: frame.width, height: frame.height, cmyk: false };
  }
  const png = pngSize(bytes);
  if (png) return { format: "png", ...png, cmyk: false };
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // Header only; no pixel is decoded here, so huge declared sizes cost nothing.
    meta = await sharp(bytes, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (err) {
    throw undecodable(bytes, err, suffix);
  }
  return {
    format: String(meta.format),
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    cmyk: meta.space === "cmyk",
  };
}

/**
 * Decodes JPEG, PNG, WebP, GIF (first frame), TIFF (first page) or AVIF bytes to RGB8.
 * Throws `InputError` for empty, non-image, corrupt, truncated, unsupported or oversized input.
 */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<RgbImage> {
  const suffix = opts.name ? `: ${opts.name}` : "";
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) throw new InputError(`empty file (0 bytes)${suffix}`, "image_unreadable");

  const { format, width: w, height: h, cmyk } = await readHeader(bytes, suffix);
  if (!SUPPORTED_FORMATS.has(format)) {
    throw new InputError(`unsupported image format (${format})${suffix}`, "image_unsupported");
  }
  const pixels = w * h;
  if (pixels > maxPixels) {
    throw new InputError(
      `image has ${pixels} pixels, above the ${maxPixels} limit${suffix}`,
      "image_too_large",
    );
  }

  const sharp = await loadSharp();
  let pipeline = sharp(bytes, {
    failOn: FAIL_ON,
    limitInputPixels: Number.isFinite(maxPixels) ? Math.max(1, Math.floor(maxPixels)) : false,
    ignoreIcc: true,
    autoOrient: opts.exifOrientation ?? true,
  });
  // Keep CMYK as decoded (sharp would otherwise colour-manage it to sRGB). Grey needs nothing:
  // sharp replicates it to RGB(A) and reduces 16-bit samples to their high byte, as the RGB path
  // does (converting to "b-w" instead would drop alpha and round 16-bit values).
  if (cmyk) pipeline = pipeline.pipelineColourspace("cmyk").toColourspace("cmyk");

  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw undecodable(bytes, err, suffix);
  }
  const { width, height, channels } = info;
  const view = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (cmyk) {
    if (channels !== 4)
      throw new InputError(
        `unsupported CMYK image (${channels} bands)${suffix}`,
        "image_unsupported",
      );
    return cmykToRgb(view, width, height);
  }
  if (channels === 3) return { width, height, data: view.subarray(0, width * height * 3) };
  if (channels < 1 || channels > 4) {
    throw new InputError(`unsupported image with ${channels} bands${suffix}`, "image_unsupported");
  }
  // An RGB PNG with a tRNS colour key stays mode RGB in Pillow: its transparency is ignored.
  const ignoreAlpha = format === "png" && pngColourType(bytes) === 2;
  return toRgb(view, width, height, channels, ignoreAlpha);
}
