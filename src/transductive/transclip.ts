/**
 * TransCLIP, zero-shot form (Zanella, Gérin, Ben Ayed, "Boosting Vision-Language Models with
 * Transduction", NeurIPS 2024): class assignments z of a whole set of images, refined from the
 * zero-shot predictions ŷ by a Gaussian mixture over the image embeddings (class means, one
 * shared diagonal variance) and a Laplacian term over the images' k-nearest-neighbour graph.
 *
 * Written from the paper and the authors' solver (TransCLIP_solver/TransCLIP_utils.py), in
 * their order: z = ŷ; means from the 8 most confident images per class; variance 1/d; then
 * `rounds + 1` blocks of `zSteps` assignment updates, with a mean update and a variance update
 * between consecutive blocks (10 of each by default). One assignment update is, for all images
 * at once (from the previous z):
 *
 *   z_i ∝ ŷ_i^λ · exp((log N(x_i | μ_c, Σ) + (T/2k) Σ_j (w_ij + w_ji) z_j) / T),  T = 50
 *
 * with log N(x | μ, Σ) = -½ Σ_d (x_d - μ_d)² / σ²_d (constant terms cancel) and w_ij the cosine
 * of image j among i's k = 3 nearest neighbours. Means are the z-weighted means of the images,
 * L2-normalized; the variance is Σ_i Σ_c z_ic (x_i - μ_c)² / Σ_i Σ_c z_ic.
 *
 * The solver itself is in solver.ts; this file checks the inputs and runs it, on the plain
 * JavaScript products (`transductiveZeroShot`) or on an injected kernel
 * (`transductiveZeroShotAsync`, for example onnxruntime's GEMM from src/model/ort-product.ts).
 * Pure math: no IO. Accumulation is in float64.
 */
import { normalizedRows } from "./gmm.js";
import { exactNeighbourGraph, type NeighbourGraph } from "./knn.js";
import { jsProduct, type MatrixProduct } from "./products.js";
import {
  assignmentRows,
  CHUNK_ROWS,
  float64s,
  type SolverInput,
  type SolverOutput,
  type StepRequest,
  solveTransclip,
} from "./solver.js";

/** Runs one assignment update (all its rows), for example split over threads. */
export type StepRunner = (req: StepRequest) => Promise<void>;

/** The kernels of `transductiveZeroShotAsync`. */
export interface TransductiveKernels {
  /** The N × K × d matrix products (default: plain JavaScript). */
  product?: MatrixProduct;
  /**
   * The assignment updates (default: this thread). Given, the solver's N × K buffers are
   * SharedArrayBuffers, so the runner can hand row ranges to worker threads.
   */
  steps?: StepRunner;
}

/** The paper's zero-shot constants (every one can be overridden in `TransductiveOptions`). */
export const TRANSCLIP_DEFAULTS = Object.freeze({
  /** ŷ = softmax(logitScale · cos(x, t)): CLIP's trained logit scale. */
  logitScale: 100,
  /** Exponent λ of ŷ in the assignment update (the text term's weight). */
  lambda: 1,
  /** Mean + variance updates (`max_iter`); the assignment blocks are one more. */
  rounds: 10,
  /** Assignment updates per block. */
  zSteps: 5,
  /** Neighbours per image in the affinity graph. */
  neighbours: 3,
  /** Images per class whose z-weighted mean initialises that class's mean. */
  confident: 8,
  /** The temperature T dividing the log-likelihood and Laplacian terms. */
  temperature: 50,
});

export interface TransductiveOptions {
  logitScale?: number;
  lambda?: number;
  rounds?: number;
  zSteps?: number;
  neighbours?: number;
  confident?: number;
  temperature?: number;
  /**
   * The initial predictions ŷ (N × K, row-major, rows summing to 1) instead of
   * softmax(logitScale · X Tᵀ): the hook for models not scored by a softmax (a sigmoid family
   * passes its own per-class probabilities, normalized over the classes), or for another
   * method's predictions (the authors' `initial_predictions`).
   */
  initialProbabilities?: ArrayLike<number>;
  /** A precomputed neighbour graph (for example from a store's index); default: exact kNN. */
  graph?: NeighbourGraph;
  /** Also return ŷ (`initial`, N × K): costs one more N × K matrix. Default false. */
  keepInitial?: boolean;
  /**
   * Image rows per matrix-product request (default 4,096): bounds a kernel's buffers; the
   * result does not depend on it beyond rounding.
   */
  chunkRows?: number;
  /** Called after each assignment block: blocks done and their total (`rounds + 1`). */
  onProgress?: (done: number, total: number) => void;
  /** Checked before each block (an aborted signal throws its reason). */
  signal?: AbortSignal;
}

export interface TransductiveResult {
  /** N × K class assignments z (row-major, rows sum to 1). */
  assignments: Float64Array;
  /** The class of each image: argmax of its z row (ties: the lower class index). */
  predictions: Int32Array;
  /** The zero-shot labels: argmax of each ŷ row (ties: the lower class index). */
  zeroShot: Int32Array;
  /** With `keepInitial`: the zero-shot predictions ŷ it started from (N × K, row-major). */
  initial?: Float64Array;
  images: number;
  classes: number;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}`);
  return v;
}

/**
 * TransCLIP's zero-shot assignments for a set of images. `imageEmbeddings` (N × d) and
 * `classEmbeddings` (K × d) are L2-normalized here (as the paper's features are). Runs in
 * plain JavaScript on this thread; for large sets see `transductiveZeroShotAsync`.
 */
export function transductiveZeroShot(
  imageEmbeddings: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  options: TransductiveOptions = {},
): TransductiveResult {
  const input = solverInput(imageEmbeddings, classEmbeddings, options, false);
  const run = solveTransclip(input);
  let step = run.next();
  while (!step.done) {
    const req = step.value;
    if (req.kind === "step") assignmentRows(req, 0, req.n);
    else jsProduct(req);
    step = run.next();
  }
  return result(input, step.value);
}

/**
 * `transductiveZeroShot` with its N × K × d matrix products on `product` (default: the plain
 * JavaScript kernel), awaited one at a time: the same algorithm and the same float64 results
 * to rounding when the kernel computes in float64.
 */
export async function transductiveZeroShotAsync(
  imageEmbeddings: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  options: TransductiveOptions & TransductiveKernels = {},
): Promise<TransductiveResult> {
  const product = options.product ?? jsProduct;
  const steps = options.steps;
  const input = solverInput(imageEmbeddings, classEmbeddings, options, steps !== undefined);
  const run = solveTransclip(input);
  let step = run.next();
  while (!step.done) {
    const req = step.value;
    if (req.kind !== "step") await product(req);
    else if (steps) await steps(req);
    else assignmentRows(req, 0, req.n);
    step = run.next();
  }
  return result(input, step.value);
}

function result(input: SolverInput, out: SolverOutput): TransductiveResult {
  return {
    assignments: out.z,
    predictions: out.predictions,
    zeroShot: out.zeroShot,
    ...(input.keepInitial && { initial: input.initial }),
    images: input.n,
    classes: input.k,
  };
}

/** The options checked and resolved, the embeddings normalized, ŷ (or λ log ŷ) prepared. */
function solverInput(
  imageEmbeddings: readonly ArrayLike<number>[],
  classEmbeddings: readonly ArrayLike<number>[],
  options: TransductiveOptions,
  shared: boolean,
): SolverInput {
  const o = { ...TRANSCLIP_DEFAULTS, ...options };
  const n = imageEmbeddings.length;
  const k = classEmbeddings.length;
  if (n === 0) throw new RangeError("no image embeddings");
  if (k === 0) throw new RangeError("no class embeddings");
  const dim = classEmbeddings[0].length;
  const rounds = positiveInt("rounds", o.rounds, 0);
  const zSteps = positiveInt("zSteps", o.zSteps);
  const nbrs = positiveInt("neighbours", o.neighbours);
  const confident = positiveInt("confident", o.confident);
  const chunkRows = positiveInt("chunkRows", o.chunkRows ?? CHUNK_ROWS);
  if (!(o.temperature > 0)) throw new RangeError("temperature must be > 0");
  const x = normalizedRows(imageEmbeddings, dim);
  const t = normalizedRows(classEmbeddings, dim);

  // ŷ: computed by the solver from the scores, or given (then λ log ŷ is kept apart).
  const initial = float64s(n * k, shared);
  let logPrior: Float64Array | undefined;
  if (o.initialProbabilities) {
    const p = o.initialProbabilities;
    if (p.length !== n * k)
      throw new RangeError(`initialProbabilities must hold ${n} × ${k} values`);
    logPrior = new Float64Array(n * k);
    for (let j = 0; j < n * k; j++) {
      if (!(p[j] >= 0)) throw new RangeError("initialProbabilities must be ≥ 0");
      initial[j] = p[j];
      logPrior[j] = o.lambda * Math.log(p[j]);
    }
    for (let i = 0; i < n; i++) {
      if (!initial.subarray(i * k, (i + 1) * k).some((v) => v > 0)) {
        throw new RangeError(`initialProbabilities row ${i} has no positive value`);
      }
    }
  }
  const graph = o.graph ?? exactNeighbourGraph(x, n, dim, nbrs);
  if (graph.k !== nbrs || graph.index.length !== n * nbrs || graph.weight.length !== n * nbrs) {
    throw new RangeError(`graph must have ${n} rows of ${nbrs} neighbours`);
  }
  return {
    x,
    t,
    n,
    k,
    dim,
    graph,
    chunkRows,
    logitScale: o.logitScale,
    lambda: o.lambda,
    rounds,
    zSteps,
    confident,
    temperature: o.temperature,
    logPrior,
    initial,
    keepInitial: o.keepInitial ?? false,
    onProgress: o.onProgress,
    signal: o.signal,
    shared,
  };
}
