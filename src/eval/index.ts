/** Evaluation of prompt strategies on labelled image sets (see docs/eval.md). */

export { ImageEmbeddingStore, type StoreEntry } from "../cache/embedding-store.js";
export {
  embedImageFiles,
  type ImageEmbedder,
  type ImageModelIdentity,
  type ImagePassOptions,
  type ImagePassResult,
  imageModelIdentity,
  imageStorePath,
  openImageStore,
} from "../cache/image-pass.js";
export {
  type Classnames,
  type ClassSet,
  classnamesFromJson,
  readClassnames,
  resolveClassnames,
} from "../dataset/classnames.js";
export {
  type Dataset,
  type LabelledImage,
  loadDataset,
  parseCsv,
  type RawDataset,
  readRawDataset,
} from "../dataset/dataset.js";
export { PREPROCESS_VERSION } from "../image/version.js";
export { type SampleOptions, sampleItems } from "../util/sample.js";
export {
  type EvalModel,
  type EvalResult,
  type EvaluateOptions,
  evaluateEmbedded,
  evaluateStrategies,
  type ImagePrediction,
  type StrategyResult,
} from "./evaluate.js";
export {
  evaluateFewShot,
  type FewShotEvalOptions,
  type FewShotPoint,
  type FewShotResult,
  type FewShotRun,
  type FewShotStrategyResult,
} from "./fewshot.js";
export { type FewShotJson, fewShotJson, fewShotRows } from "./fewshot-json.js";
export { type EvalJson, evalJson, type StrategyJson } from "./json.js";
export {
  type ClassificationMetrics,
  type ConfusedPair,
  classificationMetrics,
  confusionMatrix,
  meanPerClassRecall,
  mostConfusedPairs,
  perClassRecall,
  rankClasses,
  topKAccuracy,
} from "./metrics.js";
export { loadPairs, type PairSet, pairSet } from "./pairs.js";
export {
  buildReportData,
  type ReportData,
  type ReportOptions,
  renderReportHtml,
  writeReport,
} from "./report.js";
export {
  batchContrastiveLoss,
  contrastiveLoss,
  RECALL_KS,
  type RecallAtK,
  type RetrievalMetrics,
  recallAtK,
  retrievalMetrics,
  retrievalRecalls,
} from "./retrieval.js";
export {
  evaluateRetrieval,
  type RetrievalOptions,
  type RetrievalResult,
  retrievalJson,
  retrievalRows,
} from "./retrieval-eval.js";
export {
  type RetrievalReportOptions,
  renderRetrievalReportHtml,
  retrievalSectionHtml,
  writeRetrievalReport,
} from "./retrieval-report.js";
export {
  loadStrategy,
  type PromptStrategy,
  parseStrategies,
  parseStrategy,
  STRATEGY_KINDS,
  type StrategyKind,
  type StrategySpec,
} from "./strategies.js";
