/**
 * Transductive classification of a whole set of images (TransCLIP): the set's embeddings
 * refine the classes, then each image gets its assignment z over the labels as its scores.
 * Inputs without an embedding keep their error record. Also the warnings for the set sizes
 * where transduction is known to hurt.
 */
import { createOrtProduct } from "../model/ort-product.js";
import { createStepPool } from "../model/step-pool.js";
import type { NeighbourGraph } from "../transductive/knn.js";
import { neighbourGraphByProduct } from "../transductive/knn-scores.js";
import type { MatrixProduct } from "../transductive/products.js";
import {
  TRANSCLIP_DEFAULTS,
  type TransductiveOptions,
  type TransductiveResult,
  transductiveZeroShotAsync,
} from "../transductive/transclip.js";
import type { InputFailure } from "../util/errors.js";
import type { ClassifyResult, Prediction } from "./classifier.js";
import type { TextExplainer } from "./explain.js";

export { createOrtProduct, type OrtProduct } from "../model/ort-product.js";
export { createStepPool, type StepPool } from "../model/step-pool.js";
export { exactNeighbourGraph, type NeighbourGraph } from "../transductive/knn.js";
export { neighbourGraphByProduct } from "../transductive/knn-scores.js";
export type { MatrixProduct } from "../transductive/products.js";
export {
  type StepRunner,
  TRANSCLIP_DEFAULTS,
  type TransductiveKernels,
  type TransductiveOptions,
  type TransductiveResult,
  transductiveZeroShot,
  transductiveZeroShotAsync,
} from "../transductive/transclip.js";

/** One input and its embedding, or the error that left it without one. */
export type EmbeddedInput =
  | { input: string; embedding: ArrayLike<number>; error?: undefined; code?: undefined }
  | ({ input: string; embedding?: undefined } & InputFailure);

export interface TransductiveClassifyOptions
  extends Omit<TransductiveOptions, "graph" | "initialProbabilities"> {
  /** Keep the k best labels (default all). */
  topK?: number;
  /**
   * The neighbour graph over the embedded inputs, in their order (default: exact kNN, its
   * candidate scores on onnxruntime's GEMM, see `neighbourGraphByProduct`).
   */
  graph?: NeighbourGraph;
  /**
   * The solver's matrix products (default: onnxruntime's float64 GEMM, `createOrtProduct`,
   * opened and released here, with the assignment updates on two threads, `createStepPool`).
   * With a kernel given: no second thread, and without a graph the solver's plain JavaScript
   * exact kNN.
   */
  product?: MatrixProduct;
  /** With `explainer`: the n closest texts of each predicted label. */
  explain?: number;
  explainer?: TextExplainer;
}

/**
 * TransCLIP on onnxruntime's kernels: the exact kNN graph (unless `opts.graph`: float32 GEMM +
 * TopK candidates re-scored in float64, see `neighbourGraphByProduct`), the solver's products as
 * float64 GEMMs (unless `opts.product`) and its assignment updates on two threads; the kernels
 * are opened and released here. Equal to the float64 reference solver to rounding.
 */
export async function solveTransductive(
  rows: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  opts: Omit<TransductiveOptions, "initialProbabilities"> & { product?: MatrixProduct } = {},
): Promise<TransductiveResult> {
  const ort = opts.product ? undefined : await createOrtProduct();
  const pool = ort && createStepPool();
  try {
    const graph =
      opts.graph ??
      (ort &&
        (await neighbourGraphByProduct(
          rows,
          opts.neighbours ?? TRANSCLIP_DEFAULTS.neighbours,
          ort.candidates,
        )));
    return await transductiveZeroShotAsync(rows, classEmbeddings, {
      ...opts,
      graph,
      product: opts.product ?? ort?.product,
      steps: pool?.steps,
    });
  } finally {
    await ort?.release();
    await pool?.close();
  }
}

/** The exact k-nearest-neighbour graph of `rows` on onnxruntime (see `neighbourGraphByProduct`). */
export async function exactNeighbourGraphOnOrt(
  rows: readonly ArrayLike<number>[],
  k: number = TRANSCLIP_DEFAULTS.neighbours,
): Promise<NeighbourGraph> {
  const ort = await createOrtProduct();
  try {
    return await neighbourGraphByProduct(rows, k, ort.candidates);
  } finally {
    await ort.release();
  }
}

export interface TransductiveClassification {
  results: ClassifyResult[];
  /** Images whose label differs from the zero-shot one. */
  changed: number;
  /** Images classified (inputs with an embedding). */
  images: number;
  /** Warnings about the set (see `transductiveWarnings`). */
  warnings: string[];
}

/** Images per class under which the set is called small. */
export const SMALL_SET_PER_CLASS = 4;
/** Fewer images than this and the set is called small whatever the labels. */
export const SMALL_SET_MIN = 64;
/** Under this fraction of the labels predicted by zero-shot, the set "holds few classes". */
export const FEW_CLASSES_FRACTION = 0.5;

/**
 * Why TransCLIP may hurt on this set: too few images (the class means come from the 8 most
 * confident images of each class, the graph from 3 neighbours), or a set whose zero-shot labels
 * cover few of the classes (the published failure mode: with a handful of classes in a batch,
 * the mixture's other components drift onto them and accuracy can fall below zero-shot).
 */
export function transductiveWarnings(
  images: number,
  zeroShotLabels: ArrayLike<number>,
  classes: number,
): string[] {
  const out: string[] = [];
  if (images < Math.max(SMALL_SET_MIN, SMALL_SET_PER_CLASS * classes)) {
    out.push(
      `--transductive on a small set (${images} images for ${classes} labels): TransCLIP learns from the set itself and may do worse than zero-shot here`,
    );
  }
  const seen = new Set<number>();
  for (let i = 0; i < zeroShotLabels.length; i++) seen.add(zeroShotLabels[i]);
  if (classes > 1 && seen.size < FEW_CLASSES_FRACTION * classes) {
    out.push(
      `--transductive: zero-shot finds only ${seen.size} of the ${classes} labels in this set; when a set holds few of the classes, TransCLIP can do worse than zero-shot`,
    );
  }
  return out;
}

/**
 * Classify a set of embedded inputs together: TransCLIP's assignments over `labels` (scores
 * sum to 1 per image, best first, cut to `topK`), in input order.
 */
export async function classifyTransductive(
  labels: readonly string[],
  classEmbeddings: readonly ArrayLike<number>[],
  inputs: readonly EmbeddedInput[],
  opts: TransductiveClassifyOptions = {},
): Promise<TransductiveClassification> {
  const embedded = inputs.filter((r) => r.embedding !== undefined);
  const k = labels.length;
  const results: ClassifyResult[] = inputs.map((r) =>
    r.embedding === undefined
      ? { input: r.input, code: r.code, error: r.error }
      : { input: r.input, predictions: [] },
  );
  if (embedded.length === 0) return { results, changed: 0, images: 0, warnings: [] };
  const { topK, explain, explainer, ...solver } = opts;
  const rows = embedded.map((r) => r.embedding as ArrayLike<number>);
  const res = await solveTransductive(rows, classEmbeddings, solver);
  const zeroShot = res.zeroShot;
  let changed = 0;
  let row = 0;
  for (const [idx, r] of results.entries()) {
    if (r.error !== undefined) continue;
    const image = inputs[idx].embedding as ArrayLike<number>;
    const z = res.assignments.subarray(row * k, (row + 1) * k);
    const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => z[b] - z[a] || a - b);
    r.predictions.push(
      ...order.slice(0, topK ?? k).map((c) => {
        const p: Prediction = { label: labels[c], score: z[c] };
        if (explainer && explain) p.explanation = explainer.explain(image, labels[c], explain);
        return p;
      }),
    );
    if (res.predictions[row] !== zeroShot[row]) changed++;
    row++;
  }
  return {
    results,
    changed,
    images: res.images,
    warnings: transductiveWarnings(res.images, zeroShot, k),
  };
}
