/**
 * The evaluate use case, behind `zeroclip eval` (classification; retrieval is
 * src/app/evaluate-retrieval.ts): load the dataset (or a store's images) and the strategies, draw
 * the sample, embed the images once (through the image-embedding cache, or read from the store),
 * score every strategy, optionally run the few-shot protocol (src/app/evaluate-fewshot.ts), and
 * write the JSON and the HTML report. Every default lives here; nothing is printed.
 */
import type { ImageEmbeddingStore } from "../cache/embedding-store.js";
import { openImageStore } from "../cache/image-pass.js";
import type { Aggregate } from "../classify/class-embeddings.js";
import { type Classnames, readClassnames } from "../dataset/classnames.js";
import { type Dataset, loadDataset } from "../dataset/dataset.js";
import { type EvalResult, evaluateStrategies } from "../eval/evaluate.js";
import type { FewShotResult } from "../eval/fewshot.js";
import { type EvalJson, evalJson, prettyJson } from "../eval/json.js";
import { writeReport } from "../eval/report.js";
import { loadStrategy, parseStrategies } from "../eval/strategies.js";
import { type ImageSettingsInput, resolveImageSettings } from "../image/settings.js";
import type { ClipModel } from "../model/clip-model.js";
import { evaluateStored, storeDataset } from "../store/dataset.js";
import { writeFileAtomic } from "../util/atomic.js";
import { UsageError } from "../util/errors.js";
import { sampleItems } from "../util/sample.js";
import { type FewShotRequest, loadFewShotSets, runFewShot } from "./evaluate-fewshot.js";
import type { UseCaseEvents } from "./events.js";
import { decodeOptions } from "./image-settings.js";
import { type ModelRequest, openModel } from "./model.js";
import { openStoreModel, type StoreModel } from "./store-model.js";

/** One classification evaluation. */
export interface EvaluateRequest {
  /** A folder of class folders or a .csv / .jsonl / .json list; optional with `store`. */
  dataset?: string;
  /** Take the image embeddings from this store (`zeroclip index`); no image pass. */
  store?: string;
  /** Prompt strategies, `NAME=KIND:ARG` (see `parseStrategy`). */
  strategies: readonly string[];
  /** Class display names: a JSON list (sorted class order) or id→name map, `FILE#KEY`. */
  labelsFile?: string;
  /** How a class's text embeddings are combined (default normalized-mean). */
  aggregate?: Aggregate;
  /** Classes without descriptions use the strategy's templates. */
  allowMissing?: boolean;
  /** A seeded sample: at most `perClass` images per class, `limit` in all (seed default 0). */
  perClass?: number;
  limit?: number;
  seed?: number;
  /** Images per encoder call (default 16). */
  batchSize?: number;
  /** EXIF orientation, pixel and download caps (defaults: `resolveImageSettings`). */
  image?: ImageSettingsInput;
  /** Read and write the image-embedding cache (default true). */
  imageCache?: boolean;
  /** Also score each strategy with TransCLIP over all evaluated images. */
  transductive?: boolean;
  /** The few-shot protocol (`eval --train`). */
  fewshot?: FewShotRequest;
  /** Default: the store's model with `store`, else `DEFAULT_MODEL`. */
  model?: ModelRequest;
  /** Also write the JSON document here, and a self-contained HTML report there. */
  out?: string;
  report?: string;
}

export interface EvaluateOutcome {
  result: EvalResult;
  fewshot?: FewShotResult;
  /** The JSON document (`--format json`, `--out`), few-shot parts included. */
  doc: EvalJson;
  /** Images sampled for the evaluation (failed ones included). */
  images: number;
  /** Where the image embeddings came from: the store's location, or undefined (an image pass). */
  fromStore?: string;
  /** Seconds the image pass took. */
  imageSeconds: number;
}

/** Check a request before anything is loaded (the checks that need no file). */
function checkRequest(req: EvaluateRequest): void {
  if (req.dataset === undefined && !req.store) {
    throw new UsageError("give a dataset (a folder or a list file), or --store");
  }
  if (req.transductive && req.fewshot) {
    throw new UsageError("--transductive compares zero-shot strategies: run it without --train");
  }
}

/**
 * Run one classification evaluation (see the module comment). `events`: progress of the image
 * and text stages, warnings, and informative lines (model downloads; how the transductive
 * neighbour graph was built).
 */
export async function evaluate(
  req: EvaluateRequest,
  events: UseCaseEvents = {},
): Promise<EvaluateOutcome> {
  checkRequest(req);
  const strategies = await Promise.all(parseStrategies(req.strategies).map(loadStrategy));
  const classnames = req.labelsFile ? await readClassnames(req.labelsFile) : undefined;
  const stored = req.store
    ? await openStoreModel(req.store, req.model, { readonly: true }, events)
    : undefined;
  try {
    const dataset = stored
      ? await storeDataset(stored.store, req.dataset, classnames)
      : await loadDataset(req.dataset!, classnames);
    return await evaluateDataset(req, events, dataset, strategies, stored, classnames);
  } finally {
    await stored?.close();
  }
}

async function evaluateDataset(
  req: EvaluateRequest,
  events: UseCaseEvents,
  dataset: Dataset,
  strategies: Awaited<ReturnType<typeof loadStrategy>>[],
  stored: StoreModel | undefined,
  classnames: Classnames | undefined,
): Promise<EvaluateOutcome> {
  const images = sampleItems(dataset.items, {
    perClass: req.perClass,
    limit: req.limit,
    seed: req.seed ?? 0,
  });
  const fewShotSets = req.fewshot
    ? await loadFewShotSets(req.fewshot, classnames, { classes: dataset.classes.names, images })
    : undefined;
  const settings = resolveImageSettings(req.image);
  const model: ClipModel = stored?.model ?? (await openModel(req.model, undefined, events));
  try {
    const cache: ImageEmbeddingStore | undefined =
      req.imageCache !== false && !stored ? await openImageStore(model, settings) : undefined;
    const started = Date.now();
    let imageSeconds = 0;
    let textStage = "texts";
    const opts = {
      store: cache,
      aggregate: req.aggregate,
      allowMissing: req.allowMissing,
      batchSize: req.batchSize,
      ...decodeOptions(settings),
      onProgress: (done: number, total: number) =>
        events.onProgress?.({ stage: "images", unit: "images", done, total }),
      onWarning: events.onWarning,
      onStage: (stage: "images-done" | "strategy", name?: string) => {
        if (stage === "images-done") imageSeconds = (Date.now() - started) / 1000;
        textStage = `texts of ${name}`;
      },
      onTextProgress: (done: number, total: number) =>
        events.onProgress?.({ stage: textStage, unit: "texts", done, total }),
      transductive: req.transductive ? { logitScale: model.logitScale } : undefined,
    };
    const result = stored
      ? await evaluateStored(model, stored.store, dataset, images, strategies, opts)
      : await evaluateStrategies(model, dataset, images, strategies, opts);
    const fewshot =
      req.fewshot && fewShotSets
        ? await runFewShot(model, result, req.fewshot, fewShotSets, {
            store: cache,
            batchSize: req.batchSize,
            settings,
            onProgress: events.onProgress,
            onWarning: events.onWarning,
          })
        : undefined;
    const name = datasetName(req, stored);
    const meta = { dataset: name, model: stored?.name ?? model.dir };
    const doc = evalJson(result, meta, fewshot);
    if (req.out) await writeFileAtomic(req.out, prettyJson(doc) + "\n");
    if (req.report) await writeReport(req.report, result, { ...meta, fewshot });
    return {
      result,
      fewshot,
      doc,
      images: images.length,
      fromStore: stored?.store.location,
      imageSeconds,
    };
  } finally {
    if (!stored) await model.dispose();
  }
}

/** The dataset as named in the JSON and the report: its path, or the store's location. */
function datasetName(req: EvaluateRequest, stored: StoreModel | undefined): string {
  return req.dataset ?? stored!.store.location;
}
