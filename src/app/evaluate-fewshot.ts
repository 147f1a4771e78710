/**
 * The few-shot part of the evaluate use case (`eval --train`): its request, its defaults (shots,
 * seeds, methods, views) and its run, with the same image settings and cache as the test images.
 */
import { DEFAULT_AUGMENT_VIEWS } from "../adapt/adapt.js";
import { ADAPTER_METHODS, type AdapterMethod } from "../adapt/adapter.js";
import type { TipSearchGrid } from "../adapt/search.js";
import type { ImageEmbeddingStore } from "../cache/embedding-store.js";
import type { Classnames } from "../dataset/classnames.js";
import { type Dataset, type LabelledImage, loadDataset } from "../dataset/dataset.js";
import type { EvalResult } from "../eval/evaluate.js";
import { evaluateFewShot, type FewShotResult, planFewShot } from "../eval/fewshot.js";
import type { ImageSettings } from "../image/settings.js";
import type { ClipModel } from "../model/clip-model.js";
import { UsageError } from "../util/errors.js";
import { DEFAULT_SEEDS, DEFAULT_SHOTS } from "./fewshot-defaults.js";
import { decodeOptions } from "./image-settings.js";
import type { OnStageProgress, ProgressUnit } from "./progress.js";

export { DEFAULT_SEEDS, DEFAULT_SHOTS };

/** The few-shot protocol of an evaluation. */
export interface FewShotRequest {
  /** The labelled set support (and, without `val`, validation) images are drawn from. */
  train: string;
  /** A fixed validation set (default: drawn from `train` per run). */
  val?: string;
  /** Default `DEFAULT_SHOTS`. */
  shots?: readonly number[];
  /** Default `DEFAULT_SEEDS`. */
  seeds?: readonly number[];
  /** Default every adapter (`ADAPTER_METHODS`). */
  methods?: readonly AdapterMethod[];
  /** Validation images per class drawn from `train` (default min(K, 4)); not with `val`. */
  valShots?: number;
  /** Augmented views per support image (default `DEFAULT_AUGMENT_VIEWS`). */
  augmentViews?: number;
  /** The hyperparameter search grid (default `DEFAULT_TIP_GRID`). */
  grid?: Partial<TipSearchGrid>;
}

/** The datasets of the few-shot part. */
export interface FewShotSets {
  train: Dataset;
  val?: Dataset;
}

/**
 * Load TRAIN (and VAL) and check the protocol against the test images (classes, overlap, images
 * per class), so that a mistake is reported before any image is embedded.
 */
export async function loadFewShotSets(
  req: FewShotRequest,
  classnames: Classnames | undefined,
  test: { classes: string[]; images: LabelledImage[] },
): Promise<FewShotSets> {
  if (req.valShots !== undefined && req.val) {
    throw new UsageError("--val-shots applies only when the validation images come from --train");
  }
  const train = await loadDataset(req.train, classnames);
  const val = req.val ? await loadDataset(req.val, classnames) : undefined;
  planFewShot(
    { classes: test.classes, evaluated: test.images, failed: [] },
    {
      train,
      val,
      shots: req.shots ?? DEFAULT_SHOTS,
      seeds: req.seeds ?? DEFAULT_SEEDS,
      valShots: req.valShots,
    },
  );
  return { train, val };
}

const STAGES: Record<"train-images" | "views" | "runs", { stage: string; unit: ProgressUnit }> = {
  "train-images": { stage: "train images", unit: "images" },
  views: { stage: "support views", unit: "views" },
  runs: { stage: "few-shot runs", unit: "runs" },
};

/** Run the few-shot protocol on the evaluated test images. */
export async function runFewShot(
  model: ClipModel,
  result: EvalResult,
  req: FewShotRequest,
  sets: FewShotSets,
  opts: {
    store?: ImageEmbeddingStore;
    batchSize?: number;
    settings: ImageSettings;
    onProgress?: OnStageProgress;
    onWarning?: (message: string) => void;
  },
): Promise<FewShotResult> {
  let stage = STAGES.runs;
  let total = 0;
  const report = (done: number) => opts.onProgress?.({ ...stage, done, total });
  return evaluateFewShot(model, result, {
    train: sets.train,
    val: sets.val,
    methods: req.methods ?? [...ADAPTER_METHODS],
    shots: req.shots ?? DEFAULT_SHOTS,
    seeds: req.seeds ?? DEFAULT_SEEDS,
    augmentViews: req.augmentViews ?? DEFAULT_AUGMENT_VIEWS,
    grid: req.grid,
    valShots: req.valShots,
    logitScale: model.logitScale,
    store: opts.store,
    batchSize: opts.batchSize,
    ...decodeOptions(opts.settings),
    onStage: (s, n) => {
      stage = STAGES[s];
      total = n;
      report(0);
    },
    onProgress: report,
    onRun: report,
    onWarning: opts.onWarning,
  });
}
