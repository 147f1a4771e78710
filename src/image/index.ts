export { BICUBIC, parsePreprocessorConfig } from "./config.js";
export type { DecodeOptions } from "./decode.js";
export { DEFAULT_MAX_PIXELS, decodeImage } from "./decode.js";
export type { Size } from "./preprocess.js";
export { preprocessedSize, preprocessImage, resizeOutputSize } from "./preprocess.js";
export { BICUBIC as RESAMPLE_BICUBIC, BILINEAR, resize, resizeBicubic } from "./resample.js";
export type { FetchOptions, ImageSource } from "./source.js";
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  expandInputs,
  IMAGE_EXTENSIONS,
  isHttpUrl,
  readImageSource,
} from "./source.js";
export type { PreprocessConfig, RgbImage } from "./types.js";
