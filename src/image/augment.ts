/**
 * Augmented views of a support image, as the Tip-Adapter and GDA code builds its cache:
 * torchvision's `RandomResizedCrop(size, scale=(0.5, 1), ratio=(3/4, 4/3), BICUBIC)` then
 * `RandomHorizontalFlip(p=0.5)`, then the model's rescale and normalize.
 *
 * Exactly: the crop box comes from torchvision's `RandomResizedCrop.get_params` algorithm (ten
 * attempts, then the centre-crop fallback), the integer box is cut from the decoded RGB image and
 * resized to the model's crop size with the Pillow-exact bicubic resampler (what torchvision does
 * on a PIL image), flipped when the draw says so, then rescaled and normalized exactly as
 * `preprocessImage` does. The random numbers come from mulberry32 seeded per view (see
 * `views.ts`); the draw order is documented on `randomResizedCropBox` and `augmentView`.
 *
 * Pure: no IO.
 */
import { mulberry32 } from "../util/sample.js";
import { preprocessImage } from "./preprocess.js";
import { copyWindow, resize } from "./resample.js";
import type { PreprocessConfig, RgbImage } from "./types.js";

/** Bump when anything below changes the pixels of a view (it is part of every view's cache key). */
export const AUGMENT_VERSION = 1;

/** The papers' augmentation: crop area fraction, aspect ratio range, flip probability. */
export const AUGMENT_SCALE: readonly [number, number] = [0.5, 1];
export const AUGMENT_RATIO: readonly [number, number] = [3 / 4, 4 / 3];
export const FLIP_PROBABILITY = 0.5;

/** What the preprocessing worker needs to make one view: the 32-bit seed of its generator. */
export interface AugmentSpec {
  seed: number;
}

/** A crop box in pixels: rows top..top+height, columns left..left+width. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Python's round(): to the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * torchvision's `RandomResizedCrop.get_params` for an image of `width` × `height`, with draws
 * from `rand` (uniform in [0, 1)). Each of up to 10 attempts draws, in this order: the area
 * fraction `scale[0] + (scale[1] - scale[0]) · u`, then the log aspect ratio the same way; the
 * box is `w = round(√(area·ratio))`, `h = round(√(area/ratio))` (Python rounding); when it fits,
 * two more draws give the top row `⌊u·(H − h + 1)⌋` and the left column `⌊u·(W − w + 1)⌋`
 * (torch.randint). After 10 misses: the centre crop of the image clamped to the ratio range.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rand: () => number,
  scale: readonly [number, number] = AUGMENT_SCALE,
  ratio: readonly [number, number] = AUGMENT_RATIO,
): CropBox {
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * (scale[0] + (scale[1] - scale[0]) * rand());
    const aspect = Math.exp(logLo + (logHi - logLo) * rand());
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.floor(rand() * (height - h + 1));
      const left = Math.floor(rand() * (width - w + 1));
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  const lo = Math.min(ratio[0], ratio[1]);
  const hi = Math.max(ratio[0], ratio[1]);
  let w = width;
  let h = height;
  if (inRatio < lo) h = roundHalfEven(w / lo);
  else if (inRatio > hi) w = roundHalfEven(h * hi);
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/** Mirror an RGB image left to right, in place. */
export function flipHorizontal(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let a = 0, b = width - 1; a < b; a++, b--) {
      const pa = row + a * 3;
      const pb = row + b * 3;
      for (let c = 0; c < 3; c++) {
        const t = data[pa + c];
        data[pa + c] = data[pb + c];
        data[pb + c] = t;
      }
    }
  }
  return img;
}

/**
 * One augmented view as the model's CHW float32 input. Draws from `mulberry32(spec.seed)`: the
 * crop box (`randomResizedCropBox`), then one draw `u` that flips the view when `u < 0.5`
 * (torchvision's `torch.rand(1) < p`).
 */
export function augmentView(img: RgbImage, cfg: PreprocessConfig, spec: AugmentSpec): Float32Array {
  const rand = mulberry32(spec.seed);
  const box = randomResizedCropBox(img.width, img.height, rand);
  const flip = rand() < FLIP_PROBABILITY;
  const crop: RgbImage = {
    width: box.width,
    height: box.height,
    data: copyWindow(img.data, img.width, box),
  };
  const view = resize(crop, cfg.cropWidth, cfg.cropHeight, undefined, cfg.resample);
  if (flip) flipHorizontal(view);
  return preprocessImage(view, viewConfig(cfg));
}

const viewConfigs = new WeakMap<PreprocessConfig, PreprocessConfig>();

/** The same rescale and normalize, with no resize or crop (the view already has the crop size). */
function viewConfig(cfg: PreprocessConfig): PreprocessConfig {
  let c = viewConfigs.get(cfg);
  if (!c) {
    c = { ...cfg, doResize: false, doCenterCrop: false };
    viewConfigs.set(cfg, c);
  }
  return c;
}
