/**
 * The index use case, behind `zeroclip index`: embed inputs into a store, here (`indexLocally`)
 * or by `zeroclip worker` processes through a queue (`submitToQueue`, src/app/scale-out.ts).
 *
 * Defaults belong to the store: its model and dtype, and its image settings (EXIF orientation),
 * so a later run into a store made with EXIF orientation off needs no flag repeated; a setting
 * given that differs from the store's is a `ModelError` (the store would mix embeddings).
 */
import { resolveImageSettings } from "../image/settings.js";
import { indexImages } from "../store/indexer.js";
import { UsageError } from "../util/errors.js";
import { decodeOptions } from "./image-settings.js";
import type { IndexEvents, IndexRequest, IndexResult } from "./index-request.js";
import { submitToQueue } from "./scale-out.js";
import { openStoreModel } from "./store-model.js";

/** Run one index request, locally or through its queue. */
export async function indexInputs(
  req: IndexRequest,
  events: IndexEvents = {},
): Promise<IndexResult> {
  if (req.inputs.length === 0) throw new UsageError("no inputs: give image files, folders or URLs");
  if (req.queue) return submitToQueue({ ...req, queue: req.queue }, events);
  return indexLocally(req, events);
}

async function indexLocally(req: IndexRequest, events: IndexEvents): Promise<IndexResult> {
  const opened = await openStoreModel(req.store, req.model, { readonly: false }, events);
  try {
    const started = Date.now();
    const settings = resolveImageSettings({
      ...req.image,
      exifOrientation: req.image?.exifOrientation ?? opened.identity?.exifOrientation,
    });
    let total = 0;
    const report = await indexImages(opened.model, opened.store, req.inputs, {
      modelName: opened.name,
      prune: req.prune,
      refreshUrls: req.refreshUrls,
      batchSize: req.batchSize,
      ...decodeOptions(settings),
      onPlan: (p) => {
        total = p.todo;
        events.onPlan?.(p);
      },
      onProgress: (done) => events.onProgress?.({ stage: "index", unit: "images", done, total }),
    });
    const holds = await opened.store.counts();
    return {
      report,
      done: true,
      pending: 0,
      holds: { ok: holds.ok, failed: holds.failed },
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await opened.close();
  }
}
