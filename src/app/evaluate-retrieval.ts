/**
 * The retrieval evaluation use case, behind `zeroclip eval PAIRS --task retrieval`: embed the
 * pairs' images (through the image-embedding cache, or read from a store) and captions, compute
 * the recalls and the contrastive loss, write the JSON and the HTML report. The model is named
 * the same way in both (the store's name for it, else its directory), as in the classification
 * evaluation.
 */
import { openImageStore } from "../cache/image-pass.js";
import { prettyJson } from "../eval/json.js";
import { loadPairs } from "../eval/pairs.js";
import { evaluateRetrieval, type RetrievalResult, retrievalJson } from "../eval/retrieval-eval.js";
import { writeRetrievalReport } from "../eval/retrieval-report.js";
import { type ImageSettingsInput, resolveImageSettings } from "../image/settings.js";
import { storedImagePass } from "../store/dataset.js";
import { writeFileAtomic } from "../util/atomic.js";
import { UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";
import { decodeOptions } from "./image-settings.js";
import { type ModelRequest, openModel } from "./model.js";
import { openStoreModel } from "./store-model.js";

/** One retrieval evaluation. */
export interface RetrievalRequest {
  /** A .csv / .jsonl / .json list of image,caption. */
  pairs: string;
  /** Take the image embeddings from this store (`zeroclip index`). */
  store?: string;
  /** Images (and captions) per encoder call, and pairs per batch of the batch loss (default 16). */
  batchSize?: number;
  image?: ImageSettingsInput;
  /** Read and write the image-embedding cache (default true). */
  imageCache?: boolean;
  model?: ModelRequest;
  out?: string;
  report?: string;
}

export interface RetrievalOutcome {
  result: RetrievalResult;
  doc: ReturnType<typeof retrievalJson>;
  /** Images of the pairs file (failed ones included). */
  images: number;
}

/** Run one retrieval evaluation (`events`: progress of the images and captions, model messages). */
export async function evaluateRetrievalPairs(
  req: RetrievalRequest,
  events: UseCaseEvents = {},
): Promise<RetrievalOutcome> {
  if (!req.pairs) {
    throw new UsageError(
      "--task retrieval needs a pairs file: a .csv / .jsonl / .json of image,caption",
    );
  }
  const pairs = await loadPairs(req.pairs);
  const stored = req.store
    ? await openStoreModel(req.store, req.model, { readonly: true }, events)
    : undefined;
  const model = stored?.model ?? (await openModel(req.model, undefined, events));
  try {
    const settings = resolveImageSettings(req.image);
    const cache =
      req.imageCache !== false && !stored ? await openImageStore(model, settings) : undefined;
    const batchSize = req.batchSize ?? 16;
    const result = await evaluateRetrieval(model, pairs, {
      store: cache,
      imagePass: stored
        ? await storedImagePass(
            stored.store,
            pairs.images.map((path) => ({ path, label: 0 })),
          )
        : undefined,
      batchSize,
      lossBatchSize: batchSize,
      logitScale: model.logitScale,
      ...decodeOptions(settings),
      onProgress: (done, total) =>
        events.onProgress?.({ stage: "images", unit: "images", done, total }),
      onTextProgress: (done, total) =>
        events.onProgress?.({ stage: "captions", unit: "texts", done, total }),
    });
    const meta = { dataset: req.pairs, model: stored?.name ?? model.dir };
    const doc = retrievalJson(result, meta);
    if (req.out) await writeFileAtomic(req.out, prettyJson(doc) + "\n");
    if (req.report) await writeRetrievalReport(req.report, result, meta);
    return { result, doc, images: pairs.images.length };
  } finally {
    await (stored ? stored.close() : model.dispose());
  }
}
