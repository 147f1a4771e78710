/** The image index: stores of image embeddings, incremental indexing, search (see docs/index.md). */

export type { EmbeddingPredictor } from "../classify/classifier.js";
export type { ModelFileIdentity } from "../model/identity.js";
export { fileSha256 } from "../util/file-sha256.js";
export { classifyStored, type StoredClassifyOptions } from "./classify.js";
export {
  evaluateStored,
  folderLabel,
  loadDatasetForStore,
  storeDataset,
  storedDataset,
  storedImagePass,
} from "./dataset.js";
export { exactTopK } from "./exact.js";
export { type GalleryOptions, renderGalleryHtml, writeGallery } from "./gallery.js";
export {
  assertSameModel,
  assertStoreModel,
  type IdentityOptions,
  identityDifference,
  modelIdentity,
} from "./identity.js";
export {
  type EmbedInputsOptions,
  type EmbedReport,
  embedInputs,
  type IndexCounts,
  type IndexModel,
  type IndexOptions,
  type IndexReport,
  indexImages,
  type KnownState,
} from "./indexer.js";
export {
  type BuiltGraph,
  buildNeighbourGraph,
  type NeighbourGraphOptions,
} from "./neighbour-graph.js";
export { type OpenStoreOptions, openStore, storeScheme } from "./open.js";
export { type IndexPlan, listInputs, type PlanOptions, planIndex } from "./plan.js";
export {
  itemsTableName,
  POSTGRES_STORE_FORMAT,
  PostgresStore,
  type PostgresStoreOptions,
} from "./postgres.js";
export { DEFAULT_STORE_NAME } from "./postgres-connection.js";
export {
  type QueryModel,
  type QueryOptions,
  queryEmbedding,
  queryName,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
} from "./search.js";
export { type Selected, selectStored } from "./select.js";
export { SQLITE_STORE_FORMAT, SqliteStore } from "./sqlite.js";
export type {
  NearestOptions,
  Neighbour,
  PageOptions,
  SourceState,
  StoreCounts,
  StoredEmbedding,
  StoredInfo,
  StoreIdentity,
  StoreItem,
  VectorStore,
} from "./types.js";
