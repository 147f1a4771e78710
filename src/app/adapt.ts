/**
 * The adapt use case, behind `zeroclip adapt`: load the support (and validation) sets, build a
 * training-free few-shot adapter (Tip-Adapter, TIP-X or GDA) with `adaptFromDataset`, write the
 * adapter file and return its summary. The model, the caches and every default are owned here;
 * nothing is printed.
 */

import { type AdaptResult, adaptFromDataset, DEFAULT_AUGMENT_VIEWS } from "../adapt/adapt.js";
import type { AdapterMethod } from "../adapt/adapter.js";
import { writeAdapterFile } from "../adapt/adapter-file.js";
import type { TipSearchGrid } from "../adapt/search.js";
import { openImageStore } from "../cache/image-pass.js";
import type { Aggregate } from "../classify/class-embeddings.js";
import { readClassnames } from "../dataset/classnames.js";
import { loadDataset } from "../dataset/dataset.js";
import { type ImageSettingsInput, resolveImageSettings } from "../image/settings.js";
import type { InputFailure } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";
import { decodeOptions } from "./image-settings.js";
import { type ModelRequest, openModel } from "./model.js";

/** One adapter to build. */
export interface AdaptRequest {
  /** Labelled images: a folder of class folders, or a .csv / .jsonl / .json list. */
  support: string;
  /** The adapter file to write (.safetensors). */
  out: string;
  method: AdapterMethod;
  /** Images per class drawn from the support set (default all). */
  shots?: number;
  /** Seed of the draws and the augmented views (default 0). */
  seed?: number;
  /** Class display names, as in `EvaluateRequest.labelsFile`. */
  labelsFile?: string;
  /** Search α, β (γ) on this labelled set, or on this fraction of each support class. */
  val?: string;
  valSplit?: number;
  /** α, β, γ without a search (defaults 1, 5.5, 0.1). */
  params?: { alpha?: number; beta?: number; gamma?: number };
  /** Augmented views per support image (default `DEFAULT_AUGMENT_VIEWS`; 0 = centre crop). */
  augmentViews?: number;
  grid?: Partial<TipSearchGrid>;
  /** The zero-shot half's prompts (default: the family's template). */
  templates?: readonly string[];
  descriptions?: Readonly<Record<string, readonly string[]>>;
  allowMissing?: boolean;
  aggregate?: Aggregate;
  /** Read and write the on-disk caches: image embeddings and class embeddings (default true). */
  imageCache?: boolean;
  classCache?: boolean;
  batchSize?: number;
  image?: ImageSettingsInput;
  model?: ModelRequest;
}

/** The summary of an adapter (`zeroclip adapt --format json`). */
export interface AdaptSummary {
  out: string;
  method: AdapterMethod;
  classes: number;
  support_images: number;
  augment_views: number;
  alpha: number;
  /** null for GDA. */
  beta: number | null;
  /** null but for TIP-X. */
  gamma: number | null;
  searched: boolean;
  val_images: number;
  val_top1: number | null;
  failed: ({ input: string } & InputFailure)[];
}

export interface AdaptOutcome {
  result: AdaptResult;
  summary: AdaptSummary;
  /** Where α, β, γ came from: a search, the request, or the defaults. */
  chosenBy: "search" | "request" | "defaults";
}

/**
 * Build the adapter of `req` and write it to `req.out` (`events`: progress of the class texts
 * and image stages, warnings, model messages).
 */
export async function adapt(req: AdaptRequest, events: UseCaseEvents = {}): Promise<AdaptOutcome> {
  const classnames = req.labelsFile ? await readClassnames(req.labelsFile) : undefined;
  const support = await loadDataset(req.support, classnames);
  const val = req.val ? await loadDataset(req.val, classnames) : undefined;
  const settings = resolveImageSettings(req.image);
  const augmentViews = req.augmentViews ?? DEFAULT_AUGMENT_VIEWS;
  const model = await openModel(req.model, undefined, events);
  try {
    const store = req.imageCache !== false ? await openImageStore(model, settings) : undefined;
    let stage = "";
    let total = 0;
    const result = await adaptFromDataset(model, {
      templates: req.templates,
      descriptions: req.descriptions,
      allowMissing: req.allowMissing,
      method: req.method,
      support,
      shots: req.shots,
      seed: req.seed ?? 0,
      augmentViews,
      val,
      valSplit: req.valSplit,
      params: req.params,
      grid: req.grid,
      aggregate: req.aggregate,
      cache: req.classCache !== false,
      store,
      batchSize: req.batchSize,
      ...decodeOptions(settings),
      onWarning: events.onWarning,
      onTextProgress: (done, n) =>
        events.onProgress?.({ stage: "class texts", unit: "texts", done, total: n }),
      onStage: (s, n) => {
        const views = s === "support" && augmentViews > 0;
        stage = views ? "support views" : `${s} images`;
        total = n;
        events.onProgress?.({ stage, unit: views ? "views" : "images", done: 0, total });
      },
      onProgress: (done) =>
        events.onProgress?.({
          stage,
          unit: stage === "support views" ? "views" : "images",
          done,
          total,
        }),
    });
    // The image settings the support embeddings were made with, for whoever applies the adapter.
    result.file.info.exif_orientation = String(settings.exifOrientation);
    result.file.info.preprocess_version = String(settings.preprocessVersion);
    await writeAdapterFile(req.out, result.file);
    const given = Object.values(req.params ?? {}).some((v) => v !== undefined);
    return {
      result,
      summary: adaptSummary(req.out, result, augmentViews),
      chosenBy: result.search ? "search" : given ? "request" : "defaults",
    };
  } finally {
    await model.dispose();
  }
}

function adaptSummary(out: string, result: AdaptResult, augmentViews: number): AdaptSummary {
  const a = result.file.adapter;
  const s = result.search;
  return {
    out,
    method: a.method,
    classes: a.classes.length,
    support_images: result.supportImages.length,
    augment_views: augmentViews,
    alpha: a.alpha,
    beta: a.method === "gda" ? null : a.beta,
    gamma: a.method === "tip-x" ? a.gamma : null,
    searched: !!s,
    val_images: s?.count ?? 0,
    val_top1: s ? s.correct / Math.max(1, s.count) : null,
    failed: result.failed.map((f) => ({ input: f.input, code: f.code, error: f.error })),
  };
}
