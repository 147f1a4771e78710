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
 * The pieces compose like open_clip's: a model (tokenizer, preprocessing, two ONNX towers),
 * class embeddings built from templates and/or descriptions, and a classifier that scores images
 * against them. `describeClasses` writes CuPL descriptions with an LLM; `evaluateStrategies`
 * compares prompt strategies on labelled images; `adaptFromDataset` and `FewShotClassifier` add a
 * training-free few-shot adapter (Tip-Adapter, TIP-X, GDA) built from a few labelled images.
 * `indexImages` embeds a photo library into a store (`openStore`) once; `searchStore` and
 * `classifyStored` answer from the stored vectors; `evaluateRetrieval` measures image–text
 * retrieval and CLIP's contrastive loss. `buildServer` is `zeroclip serve`'s HTTP API. At scale,
 * `submitIndex` puts the work on a BullMQ queue (`IndexQueue`, Redis) and `startIndexWorker`
 * processes run it on many machines into one `PostgresStore` (PostgreSQL + pgvector).
 */

// Few-shot adapters (Tip-Adapter, TIP-X, GDA)
export {
  ADAPTER_METHODS,
  type Adapter,
  type AdapterFile,
  type AdapterMethod,
  type AdaptOptions,
  type AdaptResult,
  adapterLogits,
  adaptFromDataset,
  FewShotClassifier,
  type FitOptions,
  fitAdapter,
  gdaFit,
  gdaLogits,
  readAdapterFile,
  sampleSupport,
  searchGda,
  searchTipAdapter,
  searchTipX,
  tipAdapterLogits,
  tipXLogits,
  writeAdapterFile,
} from "./adapt/index.js";
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
// Transductive zero-shot (TransCLIP, docs/transductive.md); buildNeighbourGraph is in the store block
export {
  classifyTransductive,
  type EmbeddedInput,
  exactNeighbourGraph,
  type NeighbourGraph,
  TRANSCLIP_DEFAULTS,
  type TransductiveClassification,
  type TransductiveClassifyOptions,
  type TransductiveOptions,
  type TransductiveResult,
  transductiveWarnings,
  transductiveZeroShot,
} from "./classify/transductive.js";
// Evaluation
export {
  classificationMetrics,
  type EvalResult,
  type EvaluateOptions,
  evalJson,
  evaluateEmbedded,
  evaluateFewShot,
  evaluateRetrieval,
  evaluateStrategies,
  type FewShotResult,
  loadDataset,
  loadPairs,
  loadStrategy,
  openImageStore,
  parseStrategies,
  parseStrategy,
  type RetrievalMetrics,
  type RetrievalResult,
  retrievalMetrics,
  sampleItems,
  writeReport,
  writeRetrievalReport,
} from "./eval/index.js";
export { parsePreprocessorConfig } from "./image/config.js";
// Images
export { type DecodeOptions, decodeImage } from "./image/decode.js";
export { type InlineImageOptions, parseInlineImage } from "./image/inline.js";
export { preprocessImage } from "./image/preprocess.js";
export type { FetchOptions, ImageSource } from "./image/source.js";
export type { PreprocessConfig, RgbImage } from "./image/types.js";
// Math
export { cosine, l2Normalize, softmax, zeroShotProbabilities } from "./math/vector.js";
// Models
export { ClipModel, type LoadOptions, type TextEmbedOptions } from "./model/clip-model.js";
export { TRAINED_LOGIT_SCALE } from "./model/config.js";
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
export { DEFAULT_MODEL } from "./model/resolve.js";
// Prompts (CuPL)
export {
  type DescribeFailure,
  type DescribeOptions,
  type DescribeResult,
  describeClasses,
  QUESTION_SETS,
  readDescriptionsFile,
} from "./prompts/index.js";
// Scale-out: shards on a BullMQ queue (Redis), workers writing to PostgreSQL + pgvector
export {
  IndexQueue,
  type IndexWorker,
  type IndexWorkerOptions,
  type ShardJob,
  type ShardResult,
  type SubmitOptions,
  type SubmitReport,
  startIndexWorker,
  submitIndex,
} from "./queue/index.js";
// HTTP server (zeroclip serve)
export {
  ApiError,
  adapterSource,
  buildServer,
  type ClassifierSource,
  type ClassifyParams,
  type ImageScorer,
  type LlmSettings,
  SERVE_DEFAULTS,
  type ServeContext,
  type ServeOptions,
  type ServePlugin,
  searchPlugin,
  serveUntilSignal,
  zeroShotSource,
} from "./serve/index.js";
// Image index and search
export {
  assertStoreModel,
  type BuiltGraph,
  buildNeighbourGraph,
  classifyStored,
  type EmbeddingPredictor,
  evaluateStored,
  type IndexOptions,
  type IndexReport,
  indexImages,
  modelIdentity,
  type NearestOptions,
  type Neighbour,
  openStore,
  PostgresStore,
  type PostgresStoreOptions,
  queryEmbedding,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
  SqliteStore,
  type StoredEmbedding,
  type StoredInfo,
  type StoreIdentity,
  type StoreItem,
  searchStore,
  storeDataset,
  type VectorStore,
  writeGallery,
} from "./store/index.js";
// Errors
export {
  InputError,
  ModelError,
  NetworkError,
  UsageError,
  ZeroclipError,
} from "./util/errors.js";
