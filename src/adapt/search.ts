/**
 * Hyperparameter search on validation images, as the official code does it: top-1 accuracy on
 * the validation set picks the values; the loops run in a fixed order and a setting replaces the
 * best only when it is strictly better, so the first setting reaching the best accuracy wins.
 *
 * - Tip-Adapter (utils.py `search_hp`): β_i = i·(Bmax − 0.1)/nβ + 0.1 (i = 0 … nβ−1), α_j the
 *   same with Amax, nα; β is the outer loop, α the inner; the best starts at accuracy 0 with
 *   β = α = 0.
 * - TIP-X: the same β and α grids and order, and innermost γ_k = k·(Gmax − 0.1)/nγ + 0.1 from
 *   tipx.py (Gmax 30, nγ 50). tipx.py itself loops α outside β and uses other ranges; see
 *   docs/few-shot.md.
 * - GDA (main_few_shots.py): α in [0.0001, 0.001, 0.01, 0.1, 1, 10, 100], the best starting at
 *   accuracy 0 with α = 0.1.
 *
 * The work is arranged so that each grid point costs only an argmax per image: the zero-shot
 * logits, the affinities and the KL term are computed once, the cache term once per β.
 *
 * Pure: no IO.
 */
import { type GdaModel, gdaScores } from "./gda.js";
import {
  affinities,
  type CacheModel,
  cacheScores,
  keyDistributions,
  klScores,
  klToKeys,
  zeroShotRow,
} from "./tip.js";

/** Labelled features (the validation set). */
export interface LabelledFeatures {
  features: readonly ArrayLike<number>[];
  labels: readonly number[];
}

/** The grids of the Tip-Adapter and TIP-X searches. */
export interface TipSearchGrid {
  /** Bmax and nβ. */
  betaScale: number;
  betaSteps: number;
  /** Amax and nα. */
  alphaScale: number;
  alphaSteps: number;
  /** Gmax and nγ (TIP-X only). */
  gammaScale: number;
  gammaSteps: number;
}

export const DEFAULT_TIP_GRID: Readonly<TipSearchGrid> = Object.freeze({
  betaScale: 7,
  betaSteps: 200,
  alphaScale: 3,
  alphaSteps: 20,
  gammaScale: 30,
  gammaSteps: 50,
});

/** GDA's α candidates, in the official order. */
export const GDA_ALPHAS: readonly number[] = Object.freeze([0.0001, 0.001, 0.01, 0.1, 1, 10, 100]);

/** GDA's starting α (kept when no candidate scores above 0). */
export const GDA_INITIAL_ALPHA = 0.1;

/** What a search chose, and its validation top-1. */
export interface SearchResult {
  alpha: number;
  beta?: number;
  gamma?: number;
  /** Validation images classified correctly with the chosen values, and their number. */
  correct: number;
  count: number;
}

/** `[i * (scale - 0.1) / steps + 0.1 for i in range(steps)]`, evaluated in the same order. */
export function gridValues(scale: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => (i * (scale - 0.1)) / steps + 0.1);
}

/** Index of the largest value (the lowest index on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function checkVal(val: LabelledFeatures): void {
  if (val.features.length !== val.labels.length) {
    throw new RangeError(`${val.features.length} features but ${val.labels.length} labels`);
  }
}

/** Rows of C values each, one after the other in one array (row r at r·C). */
function flatten(rows: readonly ArrayLike<number>[], C: number): Float64Array {
  const out = new Float64Array(rows.length * C);
  rows.forEach((row, r) => {
    for (let c = 0; c < C; c++) out[r * C + c] = row[c];
  });
  return out;
}

/**
 * Images whose argmax of base + term·weight (rows of C values, flattened) is their label. Each
 * sum is rounded as in `base[c] + term[c] * weight`, the lowest class wins ties.
 */
function countCorrect(
  labels: readonly number[],
  base: Float64Array,
  term: Float64Array,
  weight: number,
  C: number,
): number {
  let correct = 0;
  for (let r = 0, o = 0; r < labels.length; r++, o += C) {
    let best = 0;
    let bestValue = base[o] + term[o] * weight;
    for (let c = 1; c < C; c++) {
      const v = base[o + c] + term[o + c] * weight;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    if (best === labels[r]) correct++;
  }
  return correct;
}

/**
 * The cache-model search shared by Tip-Adapter and TIP-X: β outer, α inner, and (with `kl`, the
 * TIP-X term of every validation image) γ innermost. tipx.py's sum order, zero-shot + γ·KL term
 * + α·cache term, is kept: the zero-shot + γ·KL part does not depend on β or α, so it is summed
 * once per γ, and each grid point adds only its α·cache term.
 */
function searchCacheModel(
  val: LabelledFeatures,
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  logitScale: number,
  grid: Readonly<TipSearchGrid>,
  kl?: readonly Float64Array[],
): SearchResult {
  const C = classEmbeddings.length;
  const zs = flatten(
    val.features.map((f) => zeroShotRow(f, classEmbeddings, logitScale)),
    C,
  );
  const aff = val.features.map((f) => affinities(f, cache.keys));
  const best: SearchResult = { alpha: 0, beta: 0, correct: 0, count: val.labels.length };
  if (kl) best.gamma = 0;
  const alphas = gridValues(grid.alphaScale, grid.alphaSteps);
  const klFlat = kl ? flatten(kl, C) : undefined;
  const gammas = klFlat ? gridValues(grid.gammaScale, grid.gammaSteps) : [undefined];
  const bases = gammas.map((gamma) =>
    gamma === undefined || !klFlat ? zs : zs.map((z, i) => z + klFlat[i] * gamma),
  );
  for (const beta of gridValues(grid.betaScale, grid.betaSteps)) {
    const rows = flatten(
      aff.map((a) => cacheScores(a, cache.labels, C, beta)),
      C,
    );
    for (const alpha of alphas) {
      for (let g = 0; g < gammas.length; g++) {
        const correct = countCorrect(val.labels, bases[g], rows, alpha, C);
        if (correct > best.correct) {
          const gamma = gammas[g];
          Object.assign(best, { alpha, beta, correct }, gamma === undefined ? {} : { gamma });
        }
      }
    }
  }
  return best;
}

/** Tip-Adapter's search over β (outer) and α (inner). */
export function searchTipAdapter(
  val: LabelledFeatures,
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  logitScale: number,
  grid: Readonly<TipSearchGrid> = DEFAULT_TIP_GRID,
): SearchResult {
  checkVal(val);
  return searchCacheModel(val, cache, classEmbeddings, logitScale, grid);
}

/**
 * TIP-X's search over β (outer), α and γ (innermost). `klRange` and `affinityRange` are the
 * adapter's rescaling ranges (see `TipXParams`).
 */
export function searchTipX(
  val: LabelledFeatures,
  cache: CacheModel,
  classEmbeddings: readonly ArrayLike<number>[],
  logitScale: number,
  temperature: number,
  klRange: readonly [number, number],
  affinityRange: readonly [number, number],
  grid: Readonly<TipSearchGrid> = DEFAULT_TIP_GRID,
): SearchResult {
  checkVal(val);
  const q = keyDistributions(cache, classEmbeddings, temperature);
  const kl = val.features.map((f) =>
    klScores(
      klToKeys(f, q, classEmbeddings, temperature),
      cache.labels,
      classEmbeddings.length,
      klRange,
      affinityRange,
    ),
  );
  return searchCacheModel(val, cache, classEmbeddings, logitScale, grid, kl);
}

/** GDA's search over its α list. */
export function searchGda(
  val: LabelledFeatures,
  classEmbeddings: readonly ArrayLike<number>[],
  model: GdaModel,
  logitScale: number,
  alphas: readonly number[] = GDA_ALPHAS,
): SearchResult {
  checkVal(val);
  const C = classEmbeddings.length;
  const zs = flatten(
    val.features.map((f) => zeroShotRow(f, classEmbeddings, logitScale)),
    C,
  );
  const rows = flatten(
    val.features.map((f) => gdaScores(f, model)),
    C,
  );
  const best: SearchResult = { alpha: GDA_INITIAL_ALPHA, correct: 0, count: val.labels.length };
  for (const alpha of alphas) {
    const correct = countCorrect(val.labels, zs, rows, alpha, C);
    if (correct > best.correct) Object.assign(best, { alpha, correct });
  }
  return best;
}
