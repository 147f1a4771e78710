/**
 * RGB8 image to the model's CHW float32 input, as `CLIPImageProcessor.preprocess` and
 * `SiglipImageProcessor.preprocess` do with Pillow: resize the shortest edge, or to a fixed
 * height x width (Pillow-exact bicubic or bilinear), centre crop when asked (zero padding when
 * the image is smaller), rescale and normalise with Hugging Face's float types.
 *
 * Pure: no IO.
 */
import { copyWindow, resize } from "./resample.js";
import type { PreprocessConfig, RgbImage } from "./types.js";

export interface Size {
  width: number;
  height: number;
}

/**
 * `get_resize_output_image_size(..., default_to_square=False)`: the short side becomes
 * `shortestEdge`, the long side `int(shortestEdge * long / short)` (truncated).
 */
export function resizeOutputSize(width: number, height: number, shortestEdge: number): Size {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((shortestEdge * long) / short);
  return width <= height
    ? { width: shortestEdge, height: newLong }
    : { width: newLong, height: shortestEdge };
}

/** The size the resize step gives an image (`fixedSize`, or the shortest edge rule). */
function resizedSize(width: number, height: number, cfg: PreprocessConfig): Size {
  if (!cfg.doResize) return { width, height };
  if (cfg.fixedSize) return { width: cfg.fixedSize.width, height: cfg.fixedSize.height };
  return resizeOutputSize(width, height, cfg.shortestEdge);
}

/** Width and height of `preprocessImage`'s output for an image of the given size. */
export function preprocessedSize(width: number, height: number, cfg: PreprocessConfig): Size {
  if (cfg.doCenterCrop) return { width: cfg.cropWidth, height: cfg.cropHeight };
  return resizedSize(width, height, cfg);
}

/**
 * Per channel, the float32 output for each 8-bit value, with the reference's float types
 * (verified bit for bit on the fixture tensors): the rescale is a float32 product with the factor
 * rounded to float32 (numpy 2 promotion: float32 array times a Python float stays float32);
 * `normalize` casts mean and std to float32 and computes `(x - mean) / std` in float32.
 */
const tableCache = new WeakMap<PreprocessConfig, Float32Array[]>();

function cachedValueTables(cfg: PreprocessConfig): Float32Array[] {
  let t = tableCache.get(cfg);
  if (!t) {
    t = valueTables(cfg);
    tableCache.set(cfg, t);
  }
  return t;
}

function valueTables(cfg: PreprocessConfig): Float32Array[] {
  const tables: Float32Array[] = [];
  const factor = Math.fround(cfg.rescaleFactor);
  for (let c = 0; c < 3; c++) {
    const t = new Float32Array(256);
    const mean = Math.fround(cfg.mean[c]);
    const std = Math.fround(cfg.std[c]);
    for (let v = 0; v < 256; v++) {
      // float32 x float32, rounded to float32 (exact in double before the rounding).
      let x = cfg.doRescale ? Math.fround(v * factor) : v;
      // float32 - float32 and float32 / float32, each rounded to float32 like numpy's.
      if (cfg.doNormalize) x = Math.fround(Math.fround(x - mean) / std);
      t[v] = x;
    }
    tables.push(t);
  }
  return tables;
}

/**
 * Preprocesses one image into `out` (allocated when omitted) at `offset`, writing
 * 3 x height x width float32 values in CHW order, where the size is `preprocessedSize` (the crop
 * size whenever `doCenterCrop` is set). Returns `out`.
 */
export function preprocessImage(
  img: RgbImage,
  cfg: PreprocessConfig,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const full = resizedSize(img.width, img.height, cfg);
  const outW = cfg.doCenterCrop ? cfg.cropWidth : full.width;
  const outH = cfg.doCenterCrop ? cfg.cropHeight : full.height;
  const plane = outW * outH;
  const target = out ?? new Float32Array(offset + 3 * plane);
  if (!Number.isInteger(offset) || offset < 0 || target.length < offset + 3 * plane) {
    throw new RangeError(
      `output has ${target.length} values, needs ${3 * plane} at offset ${offset}`,
    );
  }
  // `center_crop`: top = (h - crop_h) // 2, left = (w - crop_w) // 2 (floored, negative when
  // padding); positions outside the image are the zero padding HF adds before rescaling.
  const cropTop = Math.floor((full.height - outH) / 2);
  const cropLeft = Math.floor((full.width - outW) / 2);
  // Resize only the part of the image the crop keeps.
  const win = {
    left: Math.max(0, cropLeft),
    top: Math.max(0, cropTop),
    width: Math.min(full.width, cropLeft + outW) - Math.max(0, cropLeft),
    height: Math.min(full.height, cropTop + outH) - Math.max(0, cropTop),
  };
  const src = cfg.doResize
    ? resize(img, full.width, full.height, win, cfg.resample)
    : { width: win.width, height: win.height, data: copyWindow(img.data, img.width, win) };
  // Offsets of the computed window relative to the crop.
  const top = cropTop - win.top;
  const left = cropLeft - win.left;
  const [t0, t1, t2] = cachedValueTables(cfg);
  const zero0 = t0[0];
  const zero1 = t1[0];
  const zero2 = t2[0];
  const data = src.data;
  const srcW = src.width;
  const x0 = Math.max(0, -left);
  const x1 = Math.min(outW, srcW - left);
  for (let y = 0; y < outH; y++) {
    const sy = y + top;
    const o = offset + y * outW;
    if (sy < 0 || sy >= src.height || x1 <= x0) {
      target.fill(zero0, o, o + outW);
      target.fill(zero1, o + plane, o + plane + outW);
      target.fill(zero2, o + 2 * plane, o + 2 * plane + outW);
      continue;
    }
    if (x0 > 0 || x1 < outW) {
      target.fill(zero0, o, o + outW);
      target.fill(zero1, o + plane, o + plane + outW);
      target.fill(zero2, o + 2 * plane, o + 2 * plane + outW);
    }
    let p = (sy * srcW + x0 + left) * 3;
    for (let x = x0; x < x1; x++, p += 3) {
      target[o + x] = t0[data[p]];
      target[o + plane + x] = t1[data[p + 1]];
      target[o + 2 * plane + x] = t2[data[p + 2]];
    }
  }
  return target;
}
