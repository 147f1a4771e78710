/** `eval --train`: the few-shot part of `zeroclip eval` (options, run, printing). */
import type { Command } from "commander";
import { ADAPTER_METHODS, type AdapterMethod } from "../adapt/adapter.js";
import type { ImageEmbeddingStore } from "../cache/embedding-store.js";
import type { Classnames } from "../dataset/classnames.js";
import { type Dataset, type LabelledImage, loadDataset } from "../dataset/dataset.js";
import type { EvalResult } from "../eval/evaluate.js";
import { evaluateFewShot, type FewShotResult, planFewShot } from "../eval/fewshot.js";
import { fewShotJson, fewShotRows } from "../eval/fewshot-json.js";
import type { EvalJson } from "../eval/json.js";
import type { ClipModel } from "../model/clip-model.js";
import { UsageError } from "../util/errors.js";
import { type Progress, progressBar } from "../util/progress.js";
import { positiveInt } from "./common.js";
import {
  addFewShotOptions,
  type FewShotFlags,
  gridFromFlags,
  methodList,
  positiveIntList,
  seedList,
} from "./fewshot-options.js";
import { formatTable } from "./output.js";

export interface EvalFewShotFlags extends FewShotFlags {
  train?: string;
  shots?: number[];
  seeds?: number[];
  method?: AdapterMethod[];
  val?: string;
  valShots?: number;
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
}

export const DEFAULT_SHOTS = [1, 2, 4, 8, 16];
export const DEFAULT_SEEDS = [1, 2, 3];

/** Add --train, --shots, --seeds, --method, --val, --val-shots and the shared few-shot options. */
export function addEvalFewShotOptions(cmd: Command): Command {
  cmd
    .option(
      "--train <dataset>",
      "few-shot: draw support images from this labelled set (same classes as the test set)",
    )
    .option(
      "--shots <list>",
      `few-shot: images per class (default ${DEFAULT_SHOTS.join(",")})`,
      positiveIntList("--shots"),
    )
    .option(
      "--seeds <list>",
      `few-shot: seeds of the support draws (default ${DEFAULT_SEEDS.join(",")})`,
      seedList,
    )
    .option(
      "--method <list>",
      `few-shot: adapters to run (default ${ADAPTER_METHODS.join(",")})`,
      methodList,
    )
    .option(
      "--val <dataset>",
      "few-shot: search on this labelled set (default: drawn from --train)",
    )
    .option(
      "--val-shots <n>",
      "few-shot: validation images per class drawn from --train (default min(K, 4))",
      positiveInt("--val-shots"),
    );
  return addFewShotOptions(cmd);
}

/** The few-shot flags given without --train are a usage error. */
export function checkEvalFewShotFlags(flags: EvalFewShotFlags): void {
  if (flags.valShots !== undefined && flags.val) {
    throw new UsageError("--val-shots applies only when the validation images come from --train");
  }
  if (flags.train) return;
  const stray = (
    [
      ["--shots", flags.shots],
      ["--seeds", flags.seeds],
      ["--method", flags.method],
      ["--val", flags.val],
      ["--val-shots", flags.valShots],
      ["--search-scale", flags.searchScale],
      ["--search-steps", flags.searchSteps],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (stray.length > 0) {
    throw new UsageError(
      `${stray.map(([f]) => f).join(", ")} need --train (the few-shot protocol)`,
    );
  }
}

/** The datasets of the few-shot part, loaded and checked before the image pass. */
export interface FewShotSets {
  train: Dataset;
  val?: Dataset;
}

/**
 * With --train: load TRAIN (and --val) and check the protocol against the test images (classes,
 * overlap, images per class), so that a mistake is reported before any image is embedded.
 */
export async function loadEvalFewShot(
  flags: EvalFewShotFlags,
  classnames: Classnames | undefined,
  test: { classes: string[]; images: LabelledImage[] },
): Promise<FewShotSets | undefined> {
  if (!flags.train) return undefined;
  const train = await loadDataset(flags.train, classnames);
  const val = flags.val ? await loadDataset(flags.val, classnames) : undefined;
  planFewShot(
    { classes: test.classes, evaluated: test.images, failed: [] },
    {
      train,
      val,
      shots: flags.shots ?? DEFAULT_SHOTS,
      seeds: flags.seeds ?? DEFAULT_SEEDS,
      valShots: flags.valShots,
    },
  );
  return { train, val };
}

/** Run the few-shot protocol (progress on stderr). */
export async function runEvalFewShot(
  model: ClipModel,
  result: EvalResult,
  flags: EvalFewShotFlags,
  sets: FewShotSets | undefined,
  store: ImageEmbeddingStore | undefined,
): Promise<FewShotResult | undefined> {
  if (!sets) return undefined;
  const { train, val } = sets;
  let bar: Progress | undefined;
  const labels = { "train-images": "train images", views: "support views", runs: "few-shot runs" };
  const fs = await evaluateFewShot(model, result, {
    train,
    val,
    methods: flags.method ?? [...ADAPTER_METHODS],
    shots: flags.shots ?? DEFAULT_SHOTS,
    seeds: flags.seeds ?? DEFAULT_SEEDS,
    augmentViews: flags.augmentViews,
    grid: gridFromFlags(flags),
    valShots: flags.valShots,
    logitScale: model.logitScale,
    store,
    batchSize: flags.batchSize,
    exifOrientation: flags.exifOrientation,
    maxPixels: flags.maxPixels,
    onStage: (stage, total) => {
      bar?.stop();
      bar = progressBar(
        labels[stage],
        total,
        { "train-images": "images", views: "views", runs: "runs" }[stage],
      );
    },
    onProgress: (done) => bar?.update(done),
    onRun: (done) => bar?.update(done),
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  bar?.stop();
  const p = fs.trainPass;
  process.stderr.write(
    `few-shot train pass: ${p.computed} computed, ${p.cached} cached, ${p.failed.length} failed\n`,
  );
  return fs;
}

/** Put the few-shot results into the eval JSON (`strategies.NAME.fewshot`, top-level setup). */
export function addFewShotJson(doc: EvalJson, fs: FewShotResult): void {
  for (const s of fs.strategies) {
    (doc.strategies[s.name] as unknown as Record<string, unknown>).fewshot = fewShotJson(s);
  }
  const p = fs.trainPass;
  (doc as unknown as Record<string, unknown>).fewshot = {
    train: fs.setup.train,
    val: fs.setup.val,
    methods: fs.setup.methods,
    shots: fs.setup.shots,
    seeds: fs.setup.seeds,
    augment_views: fs.setup.augmentViews,
    val_shots: fs.setup.val ? null : (fs.setup.valShots ?? "min(K, 4)"),
    train_images: {
      computed: p.computed,
      cached: p.cached,
      failed: p.failed.map((f) => ({ input: f.input, code: f.code, error: f.error })),
    },
  };
}

/** The shots table (top-1 mean ± std over seeds, in %). */
export function formatFewShotTable(fs: FewShotResult): string {
  const { header, rows } = fewShotRows(fs);
  return formatTable(header, rows);
}
