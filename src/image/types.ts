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
  /** Resize so the shorter side is `shortestEdge` (aspect ratio kept, long side truncated). */
  doResize: boolean;
  shortestEdge: number;
  /** PIL resampling filter id; only 3 (BICUBIC) is supported. */
  resample: number;
  /** Crop `cropHeight` x `cropWidth` from the centre, padding with zeros if the image is smaller. */
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
