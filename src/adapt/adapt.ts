/**
 * `zeroclip adapt` as a library call: from a labelled support set to an adapter file's contents.
 * Draws K images per class (seeded), sets a validation split aside when asked, embeds the
 * support images (augmented views through the cache) and the validation images, computes the
 * class embeddings of the chosen prompts, fits the adapter and searches its hyperparameters.
 */
import { resolve } from "node:path";
import type { Aggregate, PromptSources } from "../classify/class-embeddings.js";
import { ZeroShotClassifier } from "../classify/classifier.js";
import type { Dataset, LabelledImage } from "../dataset/dataset.js";
import type { ClipModel } from "../model/clip-model.js";
import { UsageError } from "../util/errors.js";
import { type AdapterMethod, fitAdapter } from "./adapter.js";
import type { AdapterFile } from "./adapter-file.js";
import {
  embedLabelledImages,
  type FailedImage,
  type FeatureOptions,
  featureOptions,
} from "./features.js";
import { modelIdentity } from "./identity.js";
import type { SearchResult, TipSearchGrid } from "./search.js";
import { holdOut, sampleSupport } from "./support.js";

/** The papers' number of augmented views per support image. */
export const DEFAULT_AUGMENT_VIEWS = 10;

export interface AdaptOptions extends PromptSources, FeatureOptions {
  method: AdapterMethod;
  /** The labelled support images (see `loadDataset`). */
  support: Dataset;
  /** Images per class drawn from the support set (default all). */
  shots?: number;
  /** Seed of the draws and of the augmented views (default 0). */
  seed?: number;
  /** Augmented views per support image (default 10; 0 = plain centre-crop features). */
  augmentViews?: number;
  /** A validation set to search the hyperparameters on (same classes as the support set). */
  val?: Dataset;
  /** Or: search on this fraction of each class of the support set, held out (seeded). */
  valSplit?: number;
  /** Fixed hyperparameters (without a validation set). */
  params?: { alpha?: number; beta?: number; gamma?: number };
  grid?: Partial<TipSearchGrid>;
  aggregate?: Aggregate;
  /** Cache class embeddings (see `ClassifierOptions.cache`). */
  cache?: boolean | string;
  onTextProgress?: (done: number, total: number) => void;
  /** Called before each stage with its name and the number of images it embeds. */
  onStage?: (stage: "support" | "validation", images: number) => void;
}

export interface AdaptResult {
  file: AdapterFile;
  /** The search's choice and validation top-1, when there was a validation set. */
  search?: SearchResult;
  /** Support and validation images used (after failures). */
  supportImages: LabelledImage[];
  valImages: LabelledImage[];
  /** Images that could not be read; they are left out. */
  failed: FailedImage[];
  /** Embeddings (views and validation images) computed by the model, and taken from the cache. */
  imagePass: { computed: number; cached: number };
}

/** Throw when two image lists share files (searching on support images would be biased). */
export function checkDisjoint(
  a: readonly LabelledImage[],
  b: readonly LabelledImage[],
  what: string,
): void {
  const set = new Set(a.map((i) => resolve(i.path)));
  const shared = b.filter((i) => set.has(resolve(i.path)));
  if (shared.length > 0) {
    throw new UsageError(`${what} share ${shared.length} images (e.g. ${shared[0].path})`);
  }
}

/** Check that two datasets name the same classes in the same order. */
export function checkSameClasses(a: Dataset, b: Dataset, what: string): void {
  const x = a.classes.names;
  const y = b.classes.names;
  if (x.length !== y.length || x.some((n, i) => n !== y[i])) {
    throw new UsageError(
      `${what} has classes ${JSON.stringify(y.slice(0, 6))}${y.length > 6 ? "…" : ""}, ` +
        `not ${JSON.stringify(x.slice(0, 6))}${x.length > 6 ? "…" : ""}`,
    );
  }
}

/** Build an adapter from a labelled support set (see the module comment). */
export async function adaptFromDataset(model: ClipModel, opts: AdaptOptions): Promise<AdaptResult> {
  const names = opts.support.classes.names;
  const seed = opts.seed ?? 0;
  const augmentViews = opts.augmentViews ?? DEFAULT_AUGMENT_VIEWS;
  if (!(Number.isInteger(augmentViews) && augmentViews >= 0)) {
    throw new UsageError(`augment views must be a non-negative integer, got ${augmentViews}`);
  }
  if (opts.val && opts.valSplit !== undefined) {
    throw new UsageError("give a validation set or a validation split, not both");
  }
  if (opts.params && (opts.val || opts.valSplit !== undefined)) {
    const given = Object.entries(opts.params).filter(([, v]) => v !== undefined);
    if (given.length > 0) {
      throw new UsageError(
        `${given.map(([k]) => k).join(", ")} cannot be set when the values are searched on validation images`,
      );
    }
  }
  let pool: LabelledImage[] = opts.support.items;
  let valItems: LabelledImage[] = [];
  if (opts.valSplit !== undefined) {
    const split = holdOut(pool, names, opts.valSplit, seed);
    pool = split.rest;
    valItems = split.val;
  } else if (opts.val) {
    checkSameClasses(opts.support, opts.val, `the validation set ${opts.val.source}`);
    valItems = opts.val.items;
  }
  const supportItems = sampleSupport(pool, names, opts.shots, seed);
  checkDisjoint(supportItems, valItems, "the support set and the validation set");

  const zeroShot = await ZeroShotClassifier.create(model, {
    labels: names,
    templates: opts.templates,
    descriptions: opts.descriptions,
    allowMissing: opts.allowMissing,
    aggregate: opts.aggregate,
    cache: opts.cache,
    onWarning: opts.onWarning,
    onTextProgress: opts.onTextProgress,
  });
  const features = featureOptions(opts);
  opts.onStage?.("support", supportItems.length * Math.max(1, augmentViews));
  const support = await embedLabelledImages(model, supportItems, {
    ...features,
    augmentViews,
    seed,
  });
  let val: Awaited<ReturnType<typeof embedLabelledImages<LabelledImage>>> | undefined;
  if (valItems.length > 0) {
    opts.onStage?.("validation", valItems.length);
    val = await embedLabelledImages(model, valItems, { ...features, augmentViews: 0, seed });
  }
  const fit = fitAdapter({
    method: opts.method,
    classes: names,
    classEmbeddings: [...zeroShot.classEmbeddings],
    logitScale: model.logitScale,
    support: { views: support.features, labels: support.items.map((i) => i.label) },
    val: val
      ? { features: val.features.map((f) => f[0]), labels: val.items.map((i) => i.label) }
      : undefined,
    params: opts.params,
    grid: opts.grid,
  });
  const info: Record<string, string> = {
    shots: opts.shots === undefined ? "all" : String(opts.shots),
    seed: String(seed),
    augment_views: String(augmentViews),
    support_images: String(support.items.length),
    aggregate: opts.aggregate ?? "normalized-mean",
  };
  if (opts.templates) info.templates = JSON.stringify(opts.templates);
  if (opts.descriptions) info.descriptions = String(Object.keys(opts.descriptions).length);
  if (fit.search) {
    info.val_images = String(fit.search.count);
    info.val_top1 = String(fit.search.count > 0 ? fit.search.correct / fit.search.count : 0);
  }
  return {
    file: { adapter: fit.adapter, model: await modelIdentity(model), info },
    search: fit.search,
    supportImages: support.items,
    valImages: val?.items ?? [],
    failed: [...support.failed, ...(val?.failed ?? [])],
    imagePass: {
      computed: support.computed + (val?.computed ?? 0),
      cached: support.cached + (val?.cached ?? 0),
    },
  };
}
