import type { ImageSource } from "../image/source.js";
import { topK } from "../math/vector.js";
import type { ClipModel } from "../model/clip-model.js";
import type { ImageEmbedOptions } from "../model/image-pipeline.js";
import { type InputFailure, UsageError } from "../util/errors.js";
import {
  type Aggregate,
  classEmbeddings,
  classTexts,
  type PromptSources,
} from "./class-embeddings.js";
import { cachedClassEmbeddings } from "./embedding-cache.js";
import { type Explanation, TextExplainer } from "./explain.js";

export interface ClassifierOptions extends PromptSources {
  /** Class names, in order. */
  labels: readonly string[];
  /** How each class's text embeddings are combined (default normalized-mean). */
  aggregate?: Aggregate;
  /**
   * Cache class embeddings on disk: true = `<zeroclip cache>/class-embeddings`, a string = that
   * directory, false (default) = always run the text encoder. Keyed by model directory, dtype,
   * text model file (size + mtime), texts and aggregate.
   */
  cache?: boolean | string;
  /** Called while class texts are encoded: distinct texts done and their total. */
  onTextProgress?: (done: number, total: number) => void;
  /** Aborting stops the text encoding (between chunks) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface Prediction {
  label: string;
  score: number;
  /** With `explain`: the label's texts closest to the image (see `enableExplanations`). */
  explanation?: Explanation[];
}

/** What turns an image embedding into predictions (`ZeroShotClassifier` is one). */
export interface EmbeddingPredictor {
  /** Scores over all classes, best first, cut to `k` and to `minScore`; with `explain`, explanations. */
  predict(
    imageEmbedding: ArrayLike<number>,
    k?: number,
    minScore?: number,
    explain?: number,
  ): Prediction[];
}

/** One input's predictions (sorted by score, best first), or its error. */
export type ClassifyResult =
  | { input: string; predictions: Prediction[]; error?: undefined; code?: undefined }
  | ({ input: string; predictions?: undefined } & InputFailure);

export interface ClassifyOptions extends Omit<ImageEmbedOptions, "onResult"> {
  /** Keep the k best labels (default all). Probabilities are over all labels either way. */
  topK?: number;
  /** Drop labels scoring below this (SigLIP's per-label sigmoid makes it meaningful). */
  minScore?: number;
  /** Called with each input's result as soon as its batch is done, in input order. */
  onResult?: (result: ClassifyResult, index: number) => void;
  /** Add to each prediction the n texts of its label closest to the image (needs `enableExplanations`). */
  explain?: number;
}

/**
 * Zero-shot classifier: class embeddings are computed once from labels and templates and/or
 * descriptions, then any number of images are scored against them.
 */
export class ZeroShotClassifier {
  protected constructor(
    readonly model: ClipModel,
    readonly labels: readonly string[],
    /** One L2-normalized embedding per label. */
    readonly classEmbeddings: readonly Float32Array[],
    /**
     * The texts each label's embedding was built from (descriptions, then templates filled);
     * empty lists when the embeddings came from elsewhere (an adapter file).
     */
    readonly classTexts: readonly (readonly string[])[] = labels.map(() => []),
  ) {}

  static async create(model: ClipModel, opts: ClassifierOptions): Promise<ZeroShotClassifier> {
    const labels = opts.labels.map((l) => l.trim());
    if (labels.length === 0 || labels.some((l) => l === "")) {
      throw new UsageError("labels must be a non-empty list of non-empty names");
    }
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup !== undefined) throw new UsageError(`label ${JSON.stringify(dup)} is given twice`);
    // The default template follows the family (CLIP: "a photo of a {}.", SigLIP: HF's pipeline's).
    const templates = opts.templates ?? (opts.descriptions ? [] : [model.family.defaultTemplate]);

    const defaultTemplate = model.family.defaultTemplate;
    const texts = classTexts(labels, { defaultTemplate, ...opts, templates });
    const aggregate = opts.aggregate ?? "normalized-mean";
    const embeddings = opts.cache
      ? await cachedClassEmbeddings(
          model,
          texts,
          aggregate,
          opts.cache,
          opts.onWarning,
          opts.onTextProgress,
          opts.signal,
        )
      : await classEmbeddings(model, texts, aggregate, opts.onTextProgress, opts.signal);
    return new ZeroShotClassifier(model, labels, embeddings, texts);
  }

  private explainer?: TextExplainer;

  /**
   * Embed each label's texts one by one (kept beside the aggregated class embeddings), so that
   * predictions can carry explanations (`predict(e, k, n)`, `classify({ explain: n })`).
   */
  async enableExplanations(): Promise<TextExplainer> {
    if (this.classTexts.every((t) => t.length === 0)) {
      throw new UsageError("explanations need the class texts (templates or descriptions)");
    }
    this.explainer ??= await TextExplainer.create(this.model, this.labels, this.classTexts);
    return this.explainer;
  }

  /**
   * Probabilities of the labels for one image embedding as the model's family scores them
   * (CLIP: a softmax over all labels; SigLIP: a sigmoid per label), best first, cut to `k` and
   * to those scoring at least `minScore`; with `explain` > 0 (after `enableExplanations`), each
   * with its label's `explain` closest texts.
   */
  predict(
    imageEmbedding: ArrayLike<number>,
    k = this.labels.length,
    minScore = 0,
    explain = 0,
  ): Prediction[] {
    const probs = this.model.probabilities(imageEmbedding, this.classEmbeddings);
    const kept = topK(probs, k).filter((i) => probs[i] >= minScore);
    return kept.map((i) => {
      const label = this.labels[i];
      const p: Prediction = { label, score: probs[i] };
      if (explain > 0 && this.explainer) {
        p.explanation = this.explainer.explain(imageEmbedding, label, explain);
      }
      return p;
    });
  }

  /** Classify images; a bad input gets an error record and the rest go on. */
  async classify(
    inputs: readonly ImageSource[],
    opts: ClassifyOptions = {},
  ): Promise<ClassifyResult[]> {
    const results = new Array<ClassifyResult>(inputs.length);
    await this.model.embedImages(inputs, {
      ...opts,
      onResult: (r, i) => {
        results[i] = r.embedding
          ? {
              input: r.input,
              predictions: this.predict(r.embedding, opts.topK, opts.minScore, opts.explain),
            }
          : { input: r.input, code: r.code, error: r.error };
        opts.onResult?.(results[i], i);
      },
    });
    return results;
  }
}
