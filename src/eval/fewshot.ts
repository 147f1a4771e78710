/**
 * The papers' few-shot protocol next to a zero-shot evaluation (`zeroclip eval --train`): for
 * every strategy, method, shot count K and seed, draw K support images per class from TRAIN,
 * search the hyperparameters on a validation split drawn from the rest of TRAIN (min(K, 4) per
 * class, as CoOp's datasets that Tip-Adapter and GDA use) or on `--val`, and score the test
 * images. Every image is embedded once per run: the test images by the zero-shot pass, the
 * training images here (support views and validation images through the cache).
 */
import { checkDisjoint, DEFAULT_AUGMENT_VIEWS } from "../adapt/adapt.js";
import { type AdapterMethod, adapterLogits, fitAdapter } from "../adapt/adapter.js";
import {
  embedLabelledImages,
  type FailedImage,
  type FeatureOptions,
  featureOptions,
} from "../adapt/features.js";
import { argmax, type TipSearchGrid } from "../adapt/search.js";
import { sampleSupport, sampleValidation, validationShots } from "../adapt/support.js";
import type { ImageEmbedder } from "../cache/image-pass.js";
import type { Dataset, LabelledImage } from "../dataset/dataset.js";
import { TRAINED_LOGIT_SCALE } from "../model/config.js";
import { UsageError } from "../util/errors.js";
import type { EvalResult } from "./evaluate.js";

export interface FewShotEvalOptions extends FeatureOptions {
  /** Where support and (without `val`) validation images are drawn from. */
  train: Dataset;
  /** A fixed validation set for every run (default: drawn from TRAIN per run). */
  val?: Dataset;
  methods: readonly AdapterMethod[];
  shots: readonly number[];
  seeds: readonly number[];
  /** Augmented views per support image (default 10). */
  augmentViews?: number;
  grid?: Partial<TipSearchGrid>;
  /** Validation images per class drawn from TRAIN (default min(K, 4)). */
  valShots?: number;
  /** The logit scale s (default 100). */
  logitScale?: number;
  /** Called before each stage with the work it has (images or views to embed, runs to do). */
  onStage?: (stage: "train-images" | "views" | "runs", total: number) => void;
  /** Called after each run with the runs done. */
  onRun?: (done: number, total: number) => void;
  onWarning?: (message: string) => void;
}

/** One support draw: its seed, test top-1 and the hyperparameters the search chose. */
export interface FewShotRun {
  seed: number;
  top1: number;
  alpha: number;
  beta: number | null;
  gamma: number | null;
}

/** One method at one shot count, over the seeds. */
export interface FewShotPoint {
  shots: number;
  top1Mean: number;
  /** Population standard deviation over the seeds (numpy's default). */
  top1Std: number;
  runs: FewShotRun[];
}

export interface FewShotStrategyResult {
  name: string;
  /** The strategy's zero-shot top-1 on the same test images: the baseline. */
  zeroShotTop1: number;
  /** Per method, one point per shot count (in the order given). */
  methods: { method: AdapterMethod; points: FewShotPoint[] }[];
}

export interface FewShotResult {
  strategies: FewShotStrategyResult[];
  setup: {
    train: string;
    val: string | null;
    methods: AdapterMethod[];
    shots: number[];
    seeds: number[];
    augmentViews: number;
    valShots: number | null;
  };
  /** The training-image pass: embeddings computed and cached, images that failed. */
  trainPass: { computed: number; cached: number; failed: FailedImage[] };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Mean and population standard deviation. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** One support draw of the protocol: its seed, shot count, support and validation images. */
export interface FewShotPlan {
  seed: number;
  shots: number;
  support: LabelledImage[];
  val: LabelledImage[];
}

/**
 * Check the few-shot setup against the test images (same classes, no shared images, enough
 * training images per class) and draw every run's support and validation images. Cheap: no
 * image is read, so callers can check before a long image pass.
 */
export function planFewShot(
  test: Pick<EvalResult, "classes" | "evaluated" | "failed">,
  opts: Pick<FewShotEvalOptions, "train" | "val" | "shots" | "seeds" | "valShots">,
): FewShotPlan[] {
  const names = test.classes;

  if (!sameNames(opts.train.classes.names, names)) {
    throw new UsageError(
      `the training set ${opts.train.source} has other classes than the test set ` +
        `(${opts.train.classes.names.length} vs ${names.length}, or in another order)`,
    );
  }
  if (opts.val && !sameNames(opts.val.classes.names, names)) {
    throw new UsageError(
      `the validation set ${opts.val.source} has other classes than the test set`,
    );
  }
  const testImages: LabelledImage[] = [
    ...test.evaluated,
    ...test.failed.map((f) => ({ path: f.input, label: f.label })),
  ];
  checkDisjoint(testImages, opts.train.items, "the training set and the test set");
  if (opts.val) checkDisjoint(testImages, opts.val.items, "the validation set and the test set");

  const plans: FewShotPlan[] = [];
  for (const seed of opts.seeds) {
    for (const shots of opts.shots) {
      const support = sampleSupport(opts.train.items, names, shots, seed, "the training set");
      const val = opts.val
        ? opts.val.items
        : sampleValidation(
            opts.train.items,
            support,
            names,
            opts.valShots ?? validationShots(shots),
            seed,
          );
      plans.push({ seed, shots, support, val });
    }
  }
  return plans;
}

/** Run the few-shot protocol on the test images of a zero-shot evaluation. */
export async function evaluateFewShot(
  model: ImageEmbedder,
  result: EvalResult,
  opts: FewShotEvalOptions,
): Promise<FewShotResult> {
  const names = result.classes;
  const augmentViews = opts.augmentViews ?? DEFAULT_AUGMENT_VIEWS;
  const testFeatures = result.embeddings;
  if (!testFeatures) throw new RangeError("the evaluation result has no image embeddings");
  const plans = planFewShot(result, opts);
  const features: FeatureOptions = featureOptions(opts);
  const unique = (lists: LabelledImage[][]) => [
    ...new Map(lists.flat().map((i) => [i.path, i])).values(),
  ];
  // Plain (centre-crop) embeddings: every validation image, and the support images without views.
  const plainItems = unique(
    plans.flatMap((p) => (augmentViews > 0 ? [p.val] : [p.val, p.support])),
  );
  opts.onStage?.("train-images", plainItems.length);
  const plain = await embedLabelledImages(model, plainItems, {
    ...features,
    augmentViews: 0,
    seed: 0,
  });
  const plainByPath = new Map(plain.items.map((item, i) => [item.path, plain.features[i][0]]));
  let computed = plain.computed;
  let cached = plain.cached;
  const failed: FailedImage[] = [...plain.failed];
  const viewsByKey = new Map<string, Float32Array[]>();
  if (augmentViews > 0) {
    const perSeed = opts.seeds.map((seed) => ({
      seed,
      items: unique(plans.filter((p) => p.seed === seed).map((p) => p.support)),
    }));
    const total = perSeed.reduce((a, s) => a + s.items.length * augmentViews, 0);
    opts.onStage?.("views", total);
    let offset = 0;
    for (const { seed, items } of perSeed) {
      const start = offset;
      const views = await embedLabelledImages(model, items, {
        ...features,
        augmentViews,
        seed,
        onProgress: (done) => opts.onProgress?.(start + done, total),
      });
      offset += items.length * augmentViews;
      computed += views.computed;
      cached += views.cached;
      failed.push(...views.failed);
      views.items.forEach((item, i) => {
        viewsByKey.set(`${seed}\0${item.path}`, views.features[i]);
      });
    }
  }
  const failedPaths = new Set(failed.map((f) => f.input));
  if (failed.length > 0) {
    opts.onWarning?.(
      `${failedPaths.size} training images could not be read and are left out (e.g. ${failed[0].input}: ${failed[0].error})`,
    );
  }
  const supportViews = (seed: number, item: LabelledImage): Float32Array[] | undefined => {
    if (augmentViews > 0) return viewsByKey.get(`${seed}\0${item.path}`);
    const f = plainByPath.get(item.path);
    return f ? [f] : undefined;
  };

  const testLabels = result.evaluated.map((i) => i.label);
  const logitScale = opts.logitScale ?? TRAINED_LOGIT_SCALE;
  const totalRuns = result.strategies.length * opts.methods.length * plans.length;
  opts.onStage?.("runs", totalRuns);
  let runsDone = 0;
  const strategies: FewShotStrategyResult[] = result.strategies.map((strategy) => {
    const W = strategy.classEmbeddings;
    if (!W) throw new RangeError(`strategy ${strategy.name} has no class embeddings`);
    const methods = opts.methods.map((method) => {
      const points = opts.shots.map((shots) => {
        const runs = plans
          .filter((p) => p.shots === shots)
          .map((plan): FewShotRun => {
            const support = plan.support
              .map((item) => ({ item, views: supportViews(plan.seed, item) }))
              .filter((s): s is { item: LabelledImage; views: Float32Array[] } => !!s.views);
            const val = plan.val.filter((i) => plainByPath.has(i.path));
            const fit = fitAdapter({
              method,
              classes: names,
              classEmbeddings: W,
              logitScale,
              support: {
                views: support.map((s) => s.views),
                labels: support.map((s) => s.item.label),
              },
              val:
                val.length > 0
                  ? {
                      features: val.map((i) => plainByPath.get(i.path)!),
                      labels: val.map((i) => i.label),
                    }
                  : undefined,
              grid: opts.grid,
            });
            const logits = adapterLogits(fit.adapter, testFeatures);
            const correct = logits.filter((z, i) => argmax(z) === testLabels[i]).length;
            const a = fit.adapter;
            opts.onRun?.(++runsDone, totalRuns);
            return {
              seed: plan.seed,
              top1: testLabels.length > 0 ? correct / testLabels.length : 0,
              alpha: a.alpha,
              beta: a.method === "gda" ? null : a.beta,
              gamma: a.method === "tip-x" ? a.gamma : null,
            };
          });
        const { mean, std } = meanStd(runs.map((r) => r.top1));
        return { shots, top1Mean: mean, top1Std: std, runs };
      });
      return { method, points };
    });
    return { name: strategy.name, zeroShotTop1: strategy.metrics.top1, methods };
  });
  return {
    strategies,
    setup: {
      train: opts.train.source,
      val: opts.val?.source ?? null,
      methods: [...opts.methods],
      shots: [...opts.shots],
      seeds: [...opts.seeds],
      augmentViews,
      valShots: opts.val ? null : (opts.valShots ?? null),
    },
    trainPass: { computed, cached, failed },
  };
}
