/**
 * Search a store by text or by image: a query becomes one L2-normalized embedding (a text as
 * given, through templates, or a class name through its descriptions, with the same aggregation
 * as classification), then the store's exact nearest neighbours by cosine are returned.
 */
import {
  type Aggregate,
  classEmbeddings,
  classTexts,
  type PromptSources,
} from "../classify/class-embeddings.js";
import type { ImageSource } from "../image/source.js";
import type { ClipModel } from "../model/clip-model.js";
import type { ImageEmbedOptions } from "../model/image-pipeline.js";
import { failureError, type InputFailure } from "../util/errors.js";
import type { NearestOptions, Neighbour } from "./types.js";

/** A search query: a text, or an image (path, URL or bytes). */
export type SearchQuery =
  | { text: string; image?: undefined }
  | { image: ImageSource; text?: undefined };

export interface QueryOptions
  extends Omit<PromptSources, "templates">,
    Omit<ImageEmbedOptions, "onResult" | "onProgress" | "batchSize" | "normalize"> {
  /** Templates that wrap a text query (`{}` for the text); several are averaged. */
  templates?: readonly string[];
  /** How a query's texts are combined when there are several (default normalized-mean). */
  aggregate?: Aggregate;
}

export interface SearchOptions extends QueryOptions {
  /** Results per query (default 10). */
  topK?: number;
  /** @deprecated The former name of `topK` (kept for one release). */
  k?: number;
  /** How the store searches (default exact; see `NearestOptions`). */
  nearest?: NearestOptions;
}

/** One query's results, best first, or why the query could not be embedded. */
export type SearchResult =
  | { query: string; results: Neighbour[]; error?: undefined; code?: undefined }
  | ({ query: string; results?: undefined } & InputFailure);

/** The model parts a query needs. */
export type QueryModel = Pick<ClipModel, "embedTexts" | "embedImages">;

/** How a query is named in results: the text, or the image's path or URL as given. */
export function queryName(q: SearchQuery): string {
  if (q.text !== undefined) return q.text;
  return typeof q.image === "string" ? q.image : "<image bytes>";
}

/**
 * The embedding of a query. A text with no templates and no descriptions is embedded as it is;
 * with templates each filled template is embedded; with descriptions the text is a class name
 * and its descriptions (plus filled templates) are embedded; several texts are aggregated
 * exactly as a class embedding is. Throws the coded error of an image that cannot be read (an `InputError`).
 */
export async function queryEmbedding(
  model: QueryModel,
  query: SearchQuery,
  opts: QueryOptions = {},
): Promise<Float32Array> {
  if (query.text !== undefined) {
    const templates = opts.templates ?? [];
    if (templates.length === 0 && !opts.descriptions) {
      return (await model.embedTexts([query.text]))[0];
    }
    const texts = classTexts([query.text], { ...opts, templates });
    return (await classEmbeddings(model, texts, opts.aggregate))[0];
  }
  const [r] = await model.embedImages([query.image], { ...opts, batchSize: 1 });
  if (r.error !== undefined) throw failureError(r);
  return r.embedding;
}
