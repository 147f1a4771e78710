/**
 * Evaluate prompt strategies side by side: the images are embedded once (through the cache),
 * then each strategy's class embeddings score every image and the metrics are computed.
 */
import {
  embedImageFiles,
  type ImageEmbedder,
  type ImagePassOptions,
  type ImagePassResult,
} from "../cache/image-pass.js";
import {
  type Aggregate,
  classAndTextEmbeddings,
  type TextEmbedder,
} from "../classify/class-embeddings.js";
import { exactNeighbourGraphOnOrt, solveTransductive } from "../classify/transductive.js";
import type { Dataset, LabelledImage } from "../dataset/dataset.js";
import { dot } from "../math/vector.js";
import type { NeighbourGraph } from "../transductive/knn.js";
import type { InputFailure } from "../util/errors.js";
import { type ClassExplanations, explainPredictions } from "./explanations.js";
import { type ClassificationMetrics, classificationMetrics, rankClasses, TOP5 } from "./metrics.js";
import { type PromptStrategy, strategyTexts } from "./strategies.js";

/** One image's outcome under a strategy. */
export interface ImagePrediction {
  /** Index into `EvalResult.evaluated`. */
  image: number;
  /** The best min(5, classes) class indices, best first; ranking[0] is the prediction. */
  ranking: number[];
}

export interface StrategyResult {
  name: string;
  kind: PromptStrategy["kind"];
  arg: string;
  /** Texts embedded for this strategy (all classes). */
  texts: number;
  metrics: ClassificationMetrics;
  predictions: ImagePrediction[];
  /** The strategy's class embeddings (W), in class order. */
  classEmbeddings?: Float32Array[];
  /** Per true class: the texts behind its correct predictions and its most frequent confusion. */
  explanations?: ClassExplanations[];
}

export interface EvalResult {
  /** Display names, in class order. */
  classes: string[];
  /** Images that were embedded and scored. */
  evaluated: LabelledImage[];
  /** Their L2-normalized embeddings, aligned with `evaluated`. */
  embeddings?: Float32Array[];
  /** Images that could not be read or decoded: excluded from every metric. */
  failed: ({ input: string; label: number } & InputFailure)[];
  strategies: StrategyResult[];
  imagePass: { computed: number; cached: number; failed: number };
}

export interface EvaluateOptions extends ImagePassOptions {
  aggregate?: Aggregate;
  /** With descriptions: classes without any fall back to the strategy's templates. */
  allowMissing?: boolean;
  onWarning?: (message: string) => void;
  /** Called when the image pass ends and before each strategy's text pass. */
  onStage?: (stage: "images-done" | "strategy", detail?: string) => void;
  /** Called while a strategy's texts are encoded: distinct texts done and their total. */
  onTextProgress?: (done: number, total: number) => void;
  /**
   * Also score each strategy transductively (TransCLIP over all evaluated images): a variant
   * named "<strategy> + TransCLIP" follows each strategy in the results.
   */
  transductive?: {
    /** Logit scale of ŷ (default 100). */
    logitScale?: number;
    /**
     * The images' neighbour graph, built once for every strategy (default: exact kNN on
     * onnxruntime, as `classify --transductive` builds it).
     */
    graph?: (embeddings: readonly Float32Array[]) => NeighbourGraph;
  };
}

/** Name of a strategy's transductive variant in results and reports. */
export const transductiveName = (strategy: string) => `${strategy} + TransCLIP`;

/** The model parts an evaluation uses. */
export type EvalModel = ImageEmbedder & TextEmbedder;

/**
 * Embed `images` (the dataset's items, or a sample of them) once and score them under every
 * strategy. Class texts are built (and checked) for all strategies before any image is read.
 */
export async function evaluateStrategies(
  model: EvalModel,
  dataset: Pick<Dataset, "classes">,
  images: readonly LabelledImage[],
  strategies: readonly PromptStrategy[],
  opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const labels = dataset.classes.names;
  const texts = strategies.map((s) =>
    strategyTexts(s, labels, { allowMissing: opts.allowMissing, onWarning: opts.onWarning }),
  );
  const pass = await embedImageFiles(
    model,
    images.map((i) => i.path),
    opts,
  );
  opts.onStage?.("images-done");
  return scoreStrategies(model, labels, images, strategies, texts, pass, opts);
}

/**
 * Score images whose embeddings are already known (`pass.results[i]` belongs to `images[i]`,
 * e.g. read from a store) under every strategy: the evaluation without its image pass.
 */
export async function evaluateEmbedded(
  model: TextEmbedder,
  dataset: Pick<Dataset, "classes">,
  images: readonly LabelledImage[],
  strategies: readonly PromptStrategy[],
  pass: ImagePassResult,
  opts: Omit<EvaluateOptions, keyof ImagePassOptions> = {},
): Promise<EvalResult> {
  const labels = dataset.classes.names;
  const texts = strategies.map((s) =>
    strategyTexts(s, labels, { allowMissing: opts.allowMissing, onWarning: opts.onWarning }),
  );
  return scoreStrategies(model, labels, images, strategies, texts, pass, opts);
}

async function scoreStrategies(
  model: TextEmbedder,
  labels: readonly string[],
  images: readonly LabelledImage[],
  strategies: readonly PromptStrategy[],
  texts: string[][][],
  pass: ImagePassResult,
  opts: Omit<EvaluateOptions, keyof ImagePassOptions>,
): Promise<EvalResult> {
  const evaluated: LabelledImage[] = [];
  const embeddings: Float32Array[] = [];
  const failed: EvalResult["failed"] = [];
  pass.results.forEach((r, i) => {
    if (r.embedding) {
      evaluated.push(images[i]);
      embeddings.push(r.embedding);
    } else failed.push({ input: r.input, label: images[i].label, code: r.code, error: r.error });
  });
  const targets = evaluated.map((i) => i.label);
  const k = Math.min(TOP5, labels.length);
  const results: StrategyResult[] = [];
  const graph =
    opts.transductive && embeddings.length > 0
      ? (opts.transductive.graph?.(embeddings) ?? (await exactNeighbourGraphOnOrt(embeddings)))
      : undefined;
  for (const [s, strategy] of strategies.entries()) {
    opts.onStage?.("strategy", strategy.name);
    const both = await classAndTextEmbeddings(model, texts[s], opts.aggregate, opts.onTextProgress);
    const classEmb = both.classes;
    const explain = (rankings: number[][]) =>
      explainPredictions(
        embeddings,
        targets,
        rankings.map((r) => r[0]),
        texts[s],
        both.texts,
      );
    const rankings = embeddings.map((e) =>
      rankClasses(
        classEmb.map((c) => dot(e, c)),
        k,
      ),
    );
    results.push({
      name: strategy.name,
      kind: strategy.kind,
      arg: strategy.arg,
      texts: texts[s].reduce((a, t) => a + t.length, 0),
      metrics: classificationMetrics(targets, rankings, labels.length),
      predictions: rankings.map((ranking, image) => ({ image, ranking })),
      classEmbeddings: classEmb,
      explanations: explain(rankings),
    });
    if (opts.transductive && embeddings.length > 0) {
      // The same solver and kernels as `classify --transductive`.
      const z = await solveTransductive(embeddings, classEmb, {
        logitScale: opts.transductive.logitScale,
        graph,
      });
      const n = labels.length;
      const ranked = embeddings.map((_, i) =>
        rankClasses(z.assignments.subarray(i * n, (i + 1) * n), k),
      );
      results.push({
        ...results[results.length - 1],
        name: transductiveName(strategy.name),
        metrics: classificationMetrics(targets, ranked, labels.length),
        predictions: ranked.map((ranking, image) => ({ image, ranking })),
        explanations: explain(ranked),
      });
    }
  }
  return {
    classes: [...labels],
    evaluated,
    embeddings,
    failed,
    strategies: results,
    imagePass: { computed: pass.computed, cached: pass.cached, failed: pass.failed },
  };
}
