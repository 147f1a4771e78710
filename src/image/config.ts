import { ModelError } from "../util/errors.js";
import { BICUBIC, BILINEAR, type ResampleFilter } from "./resample-common.js";
import type { PreprocessConfig } from "./types.js";

export { BICUBIC, BILINEAR } from "./resample-common.js";

/** OpenAI CLIP's statistics: `CLIPImageProcessor`'s defaults when a config omits them. */
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

const FILE = "preprocessor_config.json";

function fail(what: string, value: unknown): never {
  throw new ModelError(`${FILE}: ${what}, got ${JSON.stringify(value)}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bool(obj: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") fail(`${key} must be true or false`, v);
  return v;
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    fail(`${what} must be a positive integer`, v);
  }
  return v;
}

function finite(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`${what} must be a number`, v);
  return v;
}

function triple(v: unknown, key: string, dflt: [number, number, number]): [number, number, number] {
  if (v === undefined || v === null) return dflt;
  if (typeof v === "number") {
    const x = finite(v, key);
    return [x, x, x];
  }
  if (!Array.isArray(v) || v.length !== 3) fail(`${key} must be a number or 3 numbers`, v);
  return [finite(v[0], key), finite(v[1], key), finite(v[2], key)];
}

/**
 * `size`: `{shortest_edge}`, `{height, width}` (a fixed size, as SigLIP's processors use) or a
 * bare number (old feature-extractor configs: the shortest edge).
 */
function parseSize(v: unknown): {
  shortestEdge: number;
  fixedSize?: { height: number; width: number };
} {
  if (v === undefined || v === null) return { shortestEdge: 224 };
  if (typeof v === "number") return { shortestEdge: positiveInt(v, "size") };
  if (isRecord(v) && v["shortest_edge"] !== undefined) {
    if (v["longest_edge"] !== undefined) fail("size.longest_edge is not supported", v);
    return { shortestEdge: positiveInt(v["shortest_edge"], "size.shortest_edge") };
  }
  if (isRecord(v) && v["height"] !== undefined && v["width"] !== undefined) {
    const height = positiveInt(v["height"], "size.height");
    const width = positiveInt(v["width"], "size.width");
    return { shortestEdge: Math.min(height, width), fixedSize: { height, width } };
  }
  return fail("size must be {shortest_edge}, {height, width} or a number", v);
}

/** `resample`: PIL's filter id; 3 (bicubic) and 2 (bilinear) are implemented. */
function resampleFilter(v: unknown): ResampleFilter {
  if (v === BICUBIC || v === BILINEAR) return v;
  return fail("resample must be 3 (bicubic) or 2 (bilinear), the filters implemented", v);
}

/** `crop_size`: `{height, width}` or a bare number (square). */
function cropSize(v: unknown): [number, number] {
  if (v === undefined || v === null) return [224, 224];
  if (typeof v === "number") {
    const n = positiveInt(v, "crop_size");
    return [n, n];
  }
  if (isRecord(v) && v["height"] !== undefined && v["width"] !== undefined) {
    return [
      positiveInt(v["height"], "crop_size.height"),
      positiveInt(v["width"], "crop_size.width"),
    ];
  }
  return fail("crop_size must be {height, width} or a number", v);
}

/** Defaults of a family's image processor for the keys a config omits. */
export interface PreprocessDefaults {
  mean: [number, number, number];
  std: [number, number, number];
  /** `do_center_crop` when absent (CLIPImageProcessor: true; SiglipImageProcessor has no crop). */
  doCenterCrop: boolean;
}

/** `CLIPImageProcessor`'s defaults. */
export const CLIP_PREPROCESS_DEFAULTS: PreprocessDefaults = {
  mean: CLIP_MEAN,
  std: CLIP_STD,
  doCenterCrop: true,
};

/**
 * Reads a Hugging Face `preprocessor_config.json` (already JSON-parsed) for a CLIP-family image
 * processor. Missing keys take the family's defaults (`CLIPImageProcessor`'s unless given).
 * Throws `ModelError` for values this pipeline cannot reproduce exactly (a resample filter other
 * than bicubic or bilinear, a `longest_edge`).
 */
export function parsePreprocessorConfig(
  json: unknown,
  defaults: PreprocessDefaults = CLIP_PREPROCESS_DEFAULTS,
): PreprocessConfig {
  if (!isRecord(json)) fail("expected a JSON object", json);
  const resample = resampleFilter(json["resample"] ?? BICUBIC);
  const size = parseSize(json["size"]);
  const doCenterCrop = bool(json, "do_center_crop", defaults.doCenterCrop);
  // Without a crop, a fixed resize size is the model's input size (see PreprocessConfig).
  const [cropHeight, cropWidth] =
    !doCenterCrop && size.fixedSize
      ? [size.fixedSize.height, size.fixedSize.width]
      : cropSize(json["crop_size"]);
  const rescaleFactor = finite(json["rescale_factor"] ?? 1 / 255, "rescale_factor");
  const std = triple(json["image_std"], "image_std", defaults.std);
  if (std.some((s) => s === 0)) fail("image_std must not contain 0", json["image_std"]);
  return {
    doResize: bool(json, "do_resize", true),
    ...size,
    resample,
    doCenterCrop,
    cropHeight,
    cropWidth,
    doRescale: bool(json, "do_rescale", true),
    rescaleFactor,
    doNormalize: bool(json, "do_normalize", true),
    mean: triple(json["image_mean"], "image_mean", defaults.mean),
    std,
    doConvertRgb: bool(json, "do_convert_rgb", true),
  };
}
