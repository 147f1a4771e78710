import { ModelError } from "../util/errors.js";
import type { PreprocessConfig } from "./types.js";

/** PIL's filter id for bicubic resampling, the only one implemented. */
export const BICUBIC = 3;

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

/** `size`: `{shortest_edge}` or a bare number (old feature-extractor configs). */
function shortestEdge(v: unknown): number {
  if (v === undefined || v === null) return 224;
  if (typeof v === "number") return positiveInt(v, "size");
  if (isRecord(v) && v["shortest_edge"] !== undefined) {
    if (v["longest_edge"] !== undefined) fail("size.longest_edge is not supported", v);
    return positiveInt(v["shortest_edge"], "size.shortest_edge");
  }
  return fail("size must be {shortest_edge} or a number (fixed height/width is not supported)", v);
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

/**
 * Reads a Hugging Face `preprocessor_config.json` (already JSON-parsed) for a CLIP image
 * processor. Missing keys take `CLIPImageProcessor`'s defaults. Throws `ModelError` for values
 * this pipeline cannot reproduce exactly (a resample filter other than bicubic, fixed-size resize).
 */
export function parsePreprocessorConfig(json: unknown): PreprocessConfig {
  if (!isRecord(json)) fail("expected a JSON object", json);
  const resample = json["resample"] ?? BICUBIC;
  if (resample !== BICUBIC) {
    fail("resample must be 3 (bicubic), the only filter implemented", resample);
  }
  const [cropHeight, cropWidth] = cropSize(json["crop_size"]);
  const rescaleFactor = finite(json["rescale_factor"] ?? 1 / 255, "rescale_factor");
  const std = triple(json["image_std"], "image_std", CLIP_STD);
  if (std.some((s) => s === 0)) fail("image_std must not contain 0", json["image_std"]);
  return {
    doResize: bool(json, "do_resize", true),
    shortestEdge: shortestEdge(json["size"]),
    resample: BICUBIC,
    doCenterCrop: bool(json, "do_center_crop", true),
    cropHeight,
    cropWidth,
    doRescale: bool(json, "do_rescale", true),
    rescaleFactor,
    doNormalize: bool(json, "do_normalize", true),
    mean: triple(json["image_mean"], "image_mean", CLIP_MEAN),
    std,
    doConvertRgb: bool(json, "do_convert_rgb", true),
  };
}
