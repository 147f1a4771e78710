/**
 * The search use case as a request, behind `zeroclip search`: open the store with its model
 * (the request's, else the store's; another model is a `ModelError`), answer the queries with
 * `searchStore` (the step `POST /v1/search` shares), optionally write the HTML gallery, close.
 * The store engines and the gallery load only here, so the server's search route loads neither.
 */
import type { Aggregate } from "../classify/class-embeddings.js";
import type { SearchQuery, SearchResult } from "../store/search.js";
import type { NearestOptions } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";
import type { ModelRequest } from "./model.js";
import { searchStore } from "./search.js";

/** One search run over a store (plain data). */
export interface SearchRequest {
  /** The store made by `indexInputs` (a file or a postgres:// URL). */
  store: string;
  /** Texts and images (paths, URLs or bytes), answered in this order. */
  queries: readonly SearchQuery[];
  /** Results per query (default 10). */
  topK?: number;
  /** Templates that wrap a text query (`{}` for the text); several are averaged. */
  templates?: readonly string[];
  /** CuPL descriptions: a text query is a class name whose descriptions are averaged. */
  descriptions?: Readonly<Record<string, readonly string[]>>;
  /** With descriptions: a query without any uses the templates. */
  allowMissing?: boolean;
  /** How a query's several texts are combined (default normalized-mean). */
  aggregate?: Aggregate;
  /** How the store searches (default exact; `efSearch` needs `approximate`). */
  nearest?: NearestOptions;
  /** Default: the store's model and dtype. */
  model?: ModelRequest;
  /** Also write the results as a self-contained HTML gallery to this file. */
  html?: string;
}

export interface SearchOutcome {
  results: SearchResult[];
  /** Queries that could not be embedded (their results hold the error). */
  failed: number;
  /** The store's location and the model as the store names it, with its dtype. */
  store: string;
  model: string;
  dtype: string;
}

/** Answer a search request (see the module comment). */
export async function search(
  req: SearchRequest,
  events: UseCaseEvents = {},
): Promise<SearchOutcome> {
  if (req.queries.length === 0) throw new UsageError("give a query: --text TEXT or --image PATH");
  if (req.nearest?.efSearch !== undefined && !req.nearest.approximate) {
    throw new UsageError("--ef-search applies only with --approximate");
  }
  const { openStoreModel } = await import("./store-model.js");
  const opened = await openStoreModel(req.store, req.model, { readonly: true }, events);
  try {
    const results = await searchStore(opened.model, opened.store, req.queries, {
      topK: req.topK,
      templates: req.templates ?? [],
      descriptions: req.descriptions,
      aggregate: req.aggregate,
      allowMissing: req.allowMissing,
      onWarning: events.onWarning,
      nearest: req.nearest,
    });
    const outcome = {
      results,
      failed: results.filter((r) => r.error !== undefined).length,
      store: opened.store.location,
      model: opened.name,
      dtype: opened.model.dtype,
    };
    if (req.html) {
      const { writeGallery } = await import("../store/gallery.js");
      await writeGallery(req.html, results, {
        subtitle: `${outcome.store} · ${outcome.model} (${outcome.dtype})`,
      });
    }
    return outcome;
  } finally {
    await opened.close();
  }
}
