/**
 * `zeroclip eval PAIRS --task retrieval`: embed the images (through the image-embedding cache,
 * or read from a store) and the captions, then compute CLIP_benchmark's recalls and CLIP's
 * contrastive loss. Images that cannot be embedded are left out with their captions.
 */

import {
  embedImageFiles,
  type ImageEmbedder,
  type ImagePassOptions,
  type ImagePassResult,
} from "../cache/image-pass.js";
import type { TextEmbedder } from "../classify/class-embeddings.js";
import type { InputFailure } from "../util/errors.js";
import type { PairSet } from "./pairs.js";
import { type RetrievalMetrics, retrievalMetrics } from "./retrieval.js";

export interface RetrievalOptions extends ImagePassOptions {
  /** Pairs per batch for `batch_contrastive_loss` (default 32). */
  lossBatchSize?: number;
  /** Logit scale of the loss (default 100, CLIP's trained value). */
  logitScale?: number;
  /** Image embeddings computed beforehand (e.g. from a store), aligned with `pairs.images`. */
  imagePass?: ImagePassResult;
  /** Called when the image pass is done, before the captions are embedded. */
  onImagesDone?: () => void;
  /** Called while captions are encoded. */
  onTextProgress?: (done: number, total: number) => void;
}

export interface RetrievalResult {
  metrics: RetrievalMetrics;
  /** Images that could not be embedded (left out, with their captions). */
  failed: ({ input: string } & InputFailure)[];
  imagePass: { computed: number; cached: number; failed: number };
}

/** Evaluate retrieval on image–caption pairs. */
export async function evaluateRetrieval(
  model: ImageEmbedder & TextEmbedder,
  pairs: PairSet,
  opts: RetrievalOptions = {},
): Promise<RetrievalResult> {
  const { lossBatchSize = 32, logitScale = 100, imagePass, onImagesDone, onTextProgress } = opts;
  const pass = imagePass ?? (await embedImageFiles(model, pairs.images, opts));
  onImagesDone?.();
  const kept = new Map<number, number>();
  const images: Float32Array[] = [];
  const failed: RetrievalResult["failed"] = [];
  pass.results.forEach((r, i) => {
    if (r.embedding) {
      kept.set(i, images.length);
      images.push(r.embedding);
    } else failed.push({ input: r.input, code: r.code, error: r.error });
  });
  const captions: string[] = [];
  const captionImage: number[] = [];
  pairs.captions.forEach((c, j) => {
    const i = kept.get(pairs.captionImage[j]);
    if (i === undefined) return;
    captions.push(c);
    captionImage.push(i);
  });
  const texts = await model.embedTexts(captions, { normalize: true, onProgress: onTextProgress });
  return {
    metrics: retrievalMetrics(images, texts, captionImage, logitScale, lossBatchSize),
    failed,
    imagePass: { computed: pass.computed, cached: pass.cached, failed: pass.failed },
  };
}

/** The JSON document of `eval --task retrieval`. */
export function retrievalJson(
  result: RetrievalResult,
  meta: { dataset?: string; model?: string } = {},
): {
  dataset?: string;
  model?: string;
  retrieval: RetrievalMetrics;
  failed: RetrievalResult["failed"];
} {
  return { ...meta, retrieval: result.metrics, failed: result.failed };
}

/** Rows of the terminal table: direction, R@1, R@5, R@10. */
export function retrievalRows(m: RetrievalMetrics): string[][] {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    [
      "image→text",
      pct(m.image_to_text["R@1"]),
      pct(m.image_to_text["R@5"]),
      pct(m.image_to_text["R@10"]),
    ],
    [
      "text→image",
      pct(m.text_to_image["R@1"]),
      pct(m.text_to_image["R@5"]),
      pct(m.text_to_image["R@10"]),
    ],
  ];
}
