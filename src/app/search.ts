/**
 * The search use case, the one function behind `zeroclip search` and `POST /v1/search`: each
 * query becomes one embedding (`queryEmbedding`) and gets the store's `k` nearest stored images.
 *
 * An image query is decoded with the image settings the store was indexed with (its recorded
 * EXIF setting), whoever asks: a query image embedded differently from the stored ones would
 * not find itself. The server embeds image queries through its shared batcher (`embedImage`),
 * the CLI and library callers through the model; both get the store's settings.
 */
import type { ImageSource } from "../image/source.js";
import {
  type QueryModel,
  queryEmbedding,
  queryName,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
} from "../store/search.js";
import type { VectorStore } from "../store/types.js";
import { failureError, InputError, type InputFailure } from "../util/errors.js";

/** The decode settings an image query must be embedded with (the store's). */
export interface QueryImageSettings {
  exifOrientation: boolean;
}

/** Embeds one image query with the given settings; an unreadable image is an `error`. */
export type ImageQueryEmbedder = (
  image: ImageSource,
  settings: QueryImageSettings,
) => Promise<{ embedding: Float32Array; error?: undefined } | InputFailure>;

export interface SearchStoreOptions extends Omit<SearchOptions, "exifOrientation"> {
  /** How image queries are embedded (default: `model.embedImages`, one image per call). */
  embedImage?: ImageQueryEmbedder;
}

/** The image settings of `store`'s embeddings (EXIF orientation on for a store without any). */
export async function storeImageSettings(
  store: Pick<VectorStore, "identity">,
): Promise<QueryImageSettings> {
  const identity = await store.identity();
  return { exifOrientation: identity?.exifOrientation ?? true };
}

/**
 * Answer queries in order: each gets its `topK` nearest stored images (default 10; exact cosine
 * unless `nearest` says otherwise), or its error (an unreadable image query does not stop the
 * others).
 */
export async function searchStore(
  model: QueryModel,
  store: Pick<VectorStore, "nearest" | "identity">,
  queries: readonly SearchQuery[],
  opts: SearchStoreOptions = {},
): Promise<SearchResult[]> {
  const k = opts.topK ?? opts.k ?? 10;
  const settings = await storeImageSettings(store);
  const out: SearchResult[] = [];
  for (const q of queries) {
    const name = queryName(q);
    let embedding: Float32Array;
    try {
      if (q.image !== undefined && opts.embedImage) {
        const r = await opts.embedImage(q.image, settings);
        if (r.error !== undefined) throw failureError(r);
        embedding = r.embedding;
      } else {
        embedding = await queryEmbedding(model, q, { ...opts, ...settings });
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      out.push({ query: name, code: err.code, error: err.message });
      continue;
    }
    out.push({ query: name, results: await store.nearest(embedding, k, opts.nearest) });
  }
  return out;
}
