/**
 * zeroclip: zero-shot image classification with CLIP on Node.js.
 *
 * ```ts
 * import { ClipModel, ZeroShotClassifier } from "zeroclip";
 * const model = await ClipModel.load("Xenova/clip-vit-base-patch32");
 * const clf = await ZeroShotClassifier.create(model, { labels: ["tree frog", "tailed frog"] });
 * const [result] = await clf.classify(["frog.jpg"]);
 * ```
 *
 * This is the small core: a model (tokenizer, preprocessing, two ONNX towers, onnxruntime loaded
 * when the first session opens), class embeddings built from templates and/or descriptions, a
 * classifier that scores images against them, and `describeClasses` for CuPL descriptions from
 * an LLM. The heavier parts are subpath exports, so importing the core loads no server, queue or
 * store engine:
 * - `zeroclip/adapt`: few-shot adapters (Tip-Adapter, TIP-X, GDA): `adaptFromDataset`,
 *   `FewShotClassifier`, adapter files;
 * - `zeroclip/eval`: `loadDataset`, `evaluateStrategies`, `evaluateRetrieval`, reports;
 * - `zeroclip/store`: `openStore`, `indexImages`, `classifyStored` (`searchStore` is in the core)
 *   (embedded store, PostgreSQL + pgvector);
 * - `zeroclip/queue`: scale-out on BullMQ (`submitIndex`, `startIndexWorker`, `IndexQueue`);
 * - `zeroclip/serve`: `buildServer`, `zeroclip serve`'s HTTP API.
 */

// Use cases index, scale-out, evaluate, adapt (issue 21, appb): each loaded on its first call
export type { AdaptOutcome, AdaptRequest, AdaptSummary } from "./app/adapt.js";
// Use cases classify, embed, describe (src/app/, issue 21): one typed request in, typed
// results out; the CLI's and the server's verbs call these
export {
  type ClassifyEvents,
  type ClassifyOutcome,
  type ClassifyRequest,
  classify,
  classifyImages,
  type ScoreOptions,
} from "./app/classify.js";
export {
  type ClassesRequest,
  checkAdapterRequest,
  prepareExplanations,
} from "./app/classify-classes.js";
export type { TransductiveReport } from "./app/classify-transductive.js";
export {
  type DescribeEvents,
  type DescribeOutcome,
  type DescribeRequest,
  describeLabels,
  describeQuestions,
  describeSamples,
  type LlmRequest,
} from "./app/describe.js";
export {
  type EmbedEvents,
  type EmbedOutcome,
  type EmbedRequest,
  type EmbedResult,
  embed,
  embedImageInputs,
  embedTextInputs,
} from "./app/embed.js";
export type { EvaluateOutcome, EvaluateRequest } from "./app/evaluate.js";
export type { FewShotRequest } from "./app/evaluate-fewshot.js";
export type { RetrievalOutcome, RetrievalRequest } from "./app/evaluate-retrieval.js";
export type { UseCaseEvents } from "./app/events.js";
export { DEFAULT_SEEDS, DEFAULT_SHOTS } from "./app/fewshot-defaults.js";
export {
  expandImageSources,
  type ImageEmbedder,
  type ImageOutcome,
  imageEmbedOptions,
  modelImageEmbedder,
} from "./app/images.js";
export type {
  IndexEvents,
  IndexPlan,
  IndexProgress,
  IndexRequest,
  IndexResult,
  QueueRequest,
} from "./app/index-request.js";
export { type ModelDefault, type ModelRequest, openModel } from "./app/model.js";
export type { ProgressUnit, StageProgress } from "./app/progress.js";
export type { RunningWorker, WorkerEvents, WorkerRequest } from "./app/scale-out.js";
// Use cases (src/app/): the functions the CLI and the server call
export {
  type ImageQueryEmbedder,
  type QueryImageSettings,
  type SearchStoreOptions,
  searchStore,
  storeImageSettings,
} from "./app/search.js";
// The search use case as a request (issue 21, api3): `zeroclip search`
export { type SearchOutcome, type SearchRequest, search } from "./app/search-request.js";
export {
  adapt,
  evaluate,
  evaluateRetrievalPairs,
  indexInputs,
  startWorker,
  submitToQueue,
} from "./app/use-cases.js";
// Classification
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
export {
  ClassifierCache,
  type ClassifierCacheOptions,
  type ClassifierSpec,
} from "./classify/classifier-cache.js";
export { DEFAULT_TEMPLATE, fillTemplate, templatesFromJson } from "./classify/templates.js";
// Transductive zero-shot (TransCLIP, docs/transductive.md); buildNeighbourGraph is in zeroclip/store.
// At scale (issue 22): the async solver and its onnxruntime / two-thread kernels.
export {
  classifyTransductive,
  createOrtProduct,
  createStepPool,
  type EmbeddedInput,
  exactNeighbourGraph,
  type MatrixProduct,
  type NeighbourGraph,
  neighbourGraphByProduct,
  type OrtProduct,
  type StepPool,
  type StepRunner,
  TRANSCLIP_DEFAULTS,
  type TransductiveClassification,
  type TransductiveClassifyOptions,
  type TransductiveKernels,
  type TransductiveOptions,
  type TransductiveResult,
  transductiveWarnings,
  transductiveZeroShot,
  transductiveZeroShotAsync,
} from "./classify/transductive.js";
export { parsePreprocessorConfig } from "./image/config.js";
// Images
export { type DecodeOptions, decodeImage } from "./image/decode.js";
export { type InlineImageOptions, parseInlineImage } from "./image/inline.js";
export { preprocessImage } from "./image/preprocess.js";
export { BICUBIC, BILINEAR, type ResampleFilter, resize } from "./image/resample.js";
export type { FetchOptions, ImageSource } from "./image/source.js";
export type { PreprocessConfig, RgbImage } from "./image/types.js";
export {
  logitsToProbabilities,
  type Scoring,
  scoreLogits,
  scoreProbabilities,
  sigmoid,
} from "./math/scoring.js";
// Math
export { cosine, l2Normalize, softmax, zeroShotProbabilities } from "./math/vector.js";
// Models
export { ClipModel, type LoadOptions, type TextEmbedOptions } from "./model/clip-model.js";
export { TRAINED_LOGIT_SCALE } from "./model/config.js";
// Model families (SigLIP, SigLIP 2): family objects and detection, scoring, resampling filters
export {
  CLIP,
  detectFamily,
  FAMILIES,
  type FamilyName,
  type ModelFamily,
  SIGLIP,
  SIGLIP2,
} from "./model/families/index.js";
export { DTYPES, type Dtype } from "./model/files.js";
export { type CachedModel, fetchHubModel, listCachedModels } from "./model/hub/index.js";
export {
  type BatchEmbedOptions,
  BatcherClosedError,
  ImageBatcher,
  type ImageBatcherOptions,
  QueueFullError,
} from "./model/image-batcher.js";
export type { ImageEmbedOptions, ImageEmbedResult } from "./model/image-pipeline.js";
export { readScalarInitializers } from "./model/onnx-scalars.js";
export { DEFAULT_MODEL } from "./model/resolve.js";
export type { ScoringOverrides } from "./model/scoring.js";
// Prompts (CuPL)
export type { DescribeFailure, DescribeOptions, DescribeResult } from "./prompts/describe.js";
export { describeClasses } from "./prompts/describe-lazy.js";
export { readDescriptionsFile } from "./prompts/files.js";
export { QUESTION_SETS } from "./prompts/questions.js";
// Error codes (issue 21: stable codes on every error and per-input failure, docs/errors.md)
export {
  type CodeOfKind,
  ERROR_CODES,
  type ErrorCode,
  type ErrorKind,
  type InputErrorCode,
  kindOf,
  type ModelErrorCode,
  type NetworkErrorCode,
  type UsageErrorCode,
} from "./util/error-codes.js";
// Errors
export {
  errorCode,
  InputError,
  type InputFailure,
  inputFailure,
  ModelError,
  NetworkError,
  UsageError,
  ZeroclipError,
} from "./util/errors.js";
