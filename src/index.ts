/**
 * zeroclip: zero-shot image classification with CLIP on Node.js.
 *
 * ```ts
 * import { ClipModel, ZeroShotClassifier } from "zeroclip";
 * const model = await ClipModel.load("Xenova/clip-vit-base-patch32");
 * const clf = await ZeroShotClassifier.create(model, { labels: ["tree frog", "tailed frog"] });
 * const [result] = await clf.classify(["frog.jpg"]);
 * ```
 */
export {
  AGGREGATES,
  type Aggregate,
  classEmbeddings,
  classTexts,
  type PromptSources,
} from "./classify/class-embeddings.js";
export {
  type ClassifierOptions,
  type ClassifyOptions,
  type ClassifyResult,
  type Prediction,
  ZeroShotClassifier,
} from "./classify/classifier.js";
export { DEFAULT_TEMPLATE, fillTemplate, templatesFromJson } from "./classify/templates.js";
export type { DecodeOptions } from "./image/decode.js";
export type { FetchOptions, ImageSource } from "./image/source.js";
export type { PreprocessConfig, RgbImage } from "./image/types.js";
export { cosine, l2Normalize, softmax, zeroShotProbabilities } from "./math/vector.js";
export { ClipModel, type LoadOptions, type TextEmbedOptions } from "./model/clip-model.js";
export { TRAINED_LOGIT_SCALE } from "./model/config.js";
export { DTYPES, type Dtype } from "./model/files.js";
export type { ImageEmbedOptions, ImageEmbedResult } from "./model/image-pipeline.js";
export { DEFAULT_MODEL } from "./model/resolve.js";
export { InputError, ModelError, NetworkError, UsageError, ZeroclipError } from "./util/errors.js";
