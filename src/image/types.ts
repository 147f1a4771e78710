/** PIL's filter ids (`Image.Resampling`) of the two filters implemented: 2 bilinear, 3 bicubic. */
export type ResampleFilter = 2 | 3;

/** An 8-bit RGB image, pixels interleaved row by row: `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The preprocessing a CLIP image processor performs, from its `preprocessor_config.json`
 * (see `parsePreprocessorConfig`). Field names follow Hugging Face's, in camelCase.
 */
export interface PreprocessConfig {
  /**
   * Resize so the shorter side is `shortestEdge` (aspect ratio kept, long side truncated), or,
   * when `fixedSize` is set (`size: {height, width}`), to exactly that size (a squash, no crop).
   */
  doResize: boolean;
  shortestEdge: number;
  fixedSize?: { height: number; width: number };
  /** PIL resampling filter id: 3 (BICUBIC) or 2 (BILINEAR). */
  resample: ResampleFilter;
  /**
   * Crop `cropHeight` x `cropWidth` from the centre, padding with zeros if the image is smaller.
   * Without a crop but with a `fixedSize`, `cropHeight` x `cropWidth` is that size: these two are
   * always the model's input size unless the output size follows the image.
   */
  doCenterCrop: boolean;
  cropHeight: number;
  cropWidth: number;
  /** Multiply 0..255 values by `rescaleFactor` (usually 1/255). */
  doRescale: boolean;
  rescaleFactor: number;
  /** `(x - mean[c]) / std[c]` per channel. */
  doNormalize: boolean;
  mean: [number, number, number];
  std: [number, number, number];
  /** Composite transparent images onto white (decodeImage always yields RGB; kept for fidelity). */
  doConvertRgb: boolean;
}
