/**
 * Training-free few-shot adapters: what an adapter holds, how it scores features, and how one is
 * fitted from labelled support features (with an optional validation search).
 *
 * open_clip's shape: labelled features and class embeddings in, an adapter out; an adapter and
 * features in, logits out. Pure: no IO.
 */
import { l2Normalize } from "../math/vector.js";
import { UsageError } from "../util/errors.js";
import { type GdaModel, gdaFit, gdaLogits } from "./gda.js";
import {
  DEFAULT_TIP_GRID,
  type LabelledFeatures,
  type SearchResult,
  searchGda,
  searchTipAdapter,
  searchTipX,
  type TipSearchGrid,
} from "./search.js";
import { TIPX_TEMPERATURE, tipAdapterLogits, tipXLogits, tipXRanges } from "./tip.js";

export const ADAPTER_METHODS = ["tip-adapter", "tip-x", "gda"] as const;
export type AdapterMethod = (typeof ADAPTER_METHODS)[number];

/** Defaults when nothing is searched: Tip-Adapter's α = 1, β = 5.5; GDA's α = 1. */
export const DEFAULT_PARAMS = Object.freeze({ alpha: 1, beta: 5.5, gamma: 0.1 });

export function isAdapterMethod(s: string): s is AdapterMethod {
  return (ADAPTER_METHODS as readonly string[]).includes(s);
}

interface AdapterBase {
  /** Class names, in class order. */
  classes: string[];
  /** W: one L2-normalized class text embedding per class. */
  classEmbeddings: Float32Array[];
  /** s, the scale of the zero-shot cosine logits (100 for CLIP). */
  logitScale: number;
  alpha: number;
}

/** Tip-Adapter: a cache of one key per support image. */
export interface TipAdapter extends AdapterBase {
  method: "tip-adapter";
  beta: number;
  keys: Float32Array[];
  labels: number[];
}

/** TIP-X: Tip-Adapter's cache plus the KL term (see `TipXParams`). */
export interface TipXAdapter extends AdapterBase {
  method: "tip-x";
  beta: number;
  gamma: number;
  temperature: number;
  klRange: [number, number];
  affinityRange: [number, number];
  keys: Float32Array[];
  labels: number[];
}

/** GDA: a linear classifier from class means and a shared precision matrix. */
export interface GdaAdapter extends AdapterBase, GdaModel {
  method: "gda";
}

export type Adapter = TipAdapter | TipXAdapter | GdaAdapter;

/**
 * Logits of every feature (L2-normalized image embeddings) under an adapter. For TIP-X,
 * `keyDists` are the keys' text-space distributions (`keyDistributions`), computed here when
 * absent: pass them in when scoring many calls with one adapter.
 */
export function adapterLogits(
  adapter: Adapter,
  features: readonly ArrayLike<number>[],
  keyDists?: readonly ArrayLike<number>[],
): Float64Array[] {
  const W = adapter.classEmbeddings;
  const s = adapter.logitScale;
  switch (adapter.method) {
    case "tip-adapter":
      return tipAdapterLogits(features, adapter, W, {
        alpha: adapter.alpha,
        beta: adapter.beta,
        logitScale: s,
      });
    case "tip-x":
      return tipXLogits(
        features,
        adapter,
        W,
        {
          alpha: adapter.alpha,
          beta: adapter.beta,
          gamma: adapter.gamma,
          logitScale: s,
          temperature: adapter.temperature,
          klRange: adapter.klRange,
          affinityRange: adapter.affinityRange,
        },
        keyDists,
      );
    case "gda":
      return gdaLogits(features, W, adapter, { alpha: adapter.alpha, logitScale: s });
  }
}

/** Support images' features: per image, its views (one or more), and its class. */
export interface SupportFeatures {
  /** Per support image, the L2-normalized embeddings of its views (at least one). */
  views: readonly (readonly Float32Array[])[];
  labels: readonly number[];
}

export interface FitOptions {
  method: AdapterMethod;
  classes: readonly string[];
  classEmbeddings: readonly Float32Array[];
  logitScale: number;
  support: SupportFeatures;
  /** Validation features: when given, the hyperparameters are searched on them. */
  val?: LabelledFeatures;
  /** Fixed values (used when there is no validation set; defaults `DEFAULT_PARAMS`). */
  params?: { alpha?: number; beta?: number; gamma?: number };
  /** The Tip-Adapter / TIP-X search grid (defaults `DEFAULT_TIP_GRID`). */
  grid?: Partial<TipSearchGrid>;
  /** GDA's α candidates (default `GDA_ALPHAS`). */
  gdaAlphas?: readonly number[];
  /** TIP-X's softmax temperature (default 0.5). */
  temperature?: number;
}

export interface FitResult {
  adapter: Adapter;
  /** What the search chose, when there was a validation set. */
  search?: SearchResult;
}

/**
 * A cache key per support image: its single view, or the mean of its views re-normalized
 * (Tip-Adapter averages the augmented epochs' features of an image, then normalizes).
 */
export function cacheKeys(views: readonly (readonly Float32Array[])[]): Float32Array[] {
  return views.map((v) => {
    if (v.length === 0) throw new RangeError("a support image has no features");
    if (v.length === 1) return v[0].slice();
    // The mean's direction, in float64 until the end (the 1/n factor cancels out).
    const sum = new Float64Array(v[0].length);
    for (const x of v) for (let d = 0; d < sum.length; d++) sum[d] += x[d];
    return l2Normalize(sum);
  });
}

function checkInputs(opts: FitOptions): void {
  const C = opts.classes.length;
  if (C === 0) throw new UsageError("an adapter needs at least one class");
  if (opts.classEmbeddings.length !== C) {
    throw new RangeError(`${C} classes but ${opts.classEmbeddings.length} class embeddings`);
  }
  const { views, labels } = opts.support;
  if (views.length !== labels.length) {
    throw new RangeError(`${views.length} support images but ${labels.length} labels`);
  }
  const seen = new Set(labels);
  const missing = opts.classes.filter((_, c) => !seen.has(c));
  if (missing.length > 0) {
    throw new UsageError(
      `no support images for ${missing.map((m) => JSON.stringify(m)).join(", ")}`,
    );
  }
  for (const p of ["alpha", "beta", "gamma"] as const) {
    const v = opts.params?.[p];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) {
      throw new UsageError(`${p} must be a non-negative number, got ${v}`);
    }
  }
}

/** Fit an adapter to support features; with `val`, search its hyperparameters first. */
export function fitAdapter(opts: FitOptions): FitResult {
  checkInputs(opts);
  const base = {
    classes: [...opts.classes],
    classEmbeddings: opts.classEmbeddings.map((w) => w.slice()),
    logitScale: opts.logitScale,
  };
  const W = base.classEmbeddings;
  const s = opts.logitScale;
  const given = Object.entries(opts.params ?? {}).filter(([, v]) => v !== undefined);
  const p: { alpha: number; beta: number; gamma: number } = {
    ...DEFAULT_PARAMS,
    ...Object.fromEntries(given),
  };
  const grid = { ...DEFAULT_TIP_GRID, ...opts.grid };
  const C = opts.classes.length;
  const labels = [...opts.support.labels];
  if (opts.method === "gda") {
    const features = opts.support.views.flat();
    const sampleLabels = opts.support.views.flatMap((v, i) => v.map(() => labels[i]));
    const model = gdaFit(features, sampleLabels, C);
    const search = opts.val ? searchGda(opts.val, W, model, s, opts.gdaAlphas) : undefined;
    const alpha = search ? search.alpha : p.alpha;
    return { adapter: { method: "gda", ...base, alpha, ...model }, search };
  }
  const keys = cacheKeys(opts.support.views);
  const cache = { keys, labels };
  if (opts.method === "tip-adapter") {
    const search = opts.val ? searchTipAdapter(opts.val, cache, W, s, grid) : undefined;
    return {
      adapter: {
        method: "tip-adapter",
        ...base,
        alpha: search ? search.alpha : p.alpha,
        beta: search ? search.beta! : p.beta,
        keys,
        labels,
      },
      search,
    };
  }
  const temperature = opts.temperature ?? TIPX_TEMPERATURE;
  // The rescaling ranges come from the validation images, or from the keys themselves.
  const ranges = tipXRanges(opts.val ? opts.val.features : keys, cache, W, temperature);
  const search = opts.val
    ? searchTipX(opts.val, cache, W, s, temperature, ranges.klRange, ranges.affinityRange, grid)
    : undefined;
  return {
    adapter: {
      method: "tip-x",
      ...base,
      alpha: search ? search.alpha : p.alpha,
      beta: search ? search.beta! : p.beta,
      gamma: search ? search.gamma! : p.gamma,
      temperature,
      ...ranges,
      keys,
      labels,
    },
    search,
  };
}
