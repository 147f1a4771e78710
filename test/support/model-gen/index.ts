/**
 * Seeded generator of random-weight CLIP models (Hugging Face CLIP architecture) in the
 * Transformers.js (Xenova) directory layout. See docs/model-generator.md.
 */

import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type ClipDims, TINY, VIT_B_32, validateDims } from "./dims.js";
import {
  clipConfig,
  preprocessorConfig,
  tokenizerVocab,
  writeJson,
  writeTokenizer,
} from "./files.js";
import { cachedFixture } from "./fixture-cache.js";
import {
  type Dtype,
  GENERATOR_VERSION,
  onnxFileName,
  type VisionKind,
  writeTowerModel,
} from "./model.js";
import type { QuantizeOptions } from "./quantize.js";

export { colourGridSide } from "./colour-grid.js";
export { type ClipDims, TINY, VIT_B_32, visionTokens } from "./dims.js";
export { type Dtype, GENERATOR_VERSION, onnxFileName, type VisionKind } from "./model.js";
// SigLIP / SigLIP 2 (see ./siglip/index.ts).
export {
  ensureSiglipFixture,
  generateSiglipModel,
  SIGLIP_B16,
  SIGLIP_TINY,
  SIGLIP2_B16,
  SIGLIP2_TINY,
  type SiglipFixtureName,
} from "./siglip/index.js";
export { minTokenizerVocabSize } from "./tokenizer.js";
export { generateClipWeights, generateTowerWeights, type LazyWeight } from "./weights.js";

export interface GenerateOptions {
  dims: ClipDims;
  seed: number;
  /** Default ["fp32"]. q8 → onnx/*_quantized.onnx, fp16 → onnx/*_fp16.onnx. */
  dtypes?: Dtype[];
  /** Copy tokenizer files from a real model directory (its vocabulary size must match dims). */
  tokenizerFrom?: string;
  /** q8 weight range; default reduceRange true (7-bit weights, as transformers.js uses for CLIP). */
  quantize?: QuantizeOptions;
  /** Vision tower kind (default "clip"); "colour-grid" is the discriminative test tower. */
  vision?: VisionKind;
  /**
   * fp16 files take and give float16 (pixel_values, text_embeds, image_embeds, …), as real
   * fp16 exports do, instead of float32 with Casts inside (default false).
   */
  fp16Io?: boolean;
  /** Called after each file is written. */
  onFile?: (relativePath: string, bytes: number) => void;
}

/** Writes a complete model directory to `outDir` (created if needed). */
export async function generateClipModel(outDir: string, opts: GenerateOptions): Promise<void> {
  const { dims, seed } = opts;
  validateDims(dims);
  if (!Number.isSafeInteger(seed)) throw new Error("seed must be an integer");
  const dtypes = [...new Set<Dtype>(opts.dtypes ?? ["fp32"])];
  await mkdir(join(outDir, "onnx"), { recursive: true });
  await writeTokenizer(outDir, dims, opts.tokenizerFrom);
  await writeJson(join(outDir, "config.json"), clipConfig(dims));
  await writeJson(join(outDir, "preprocessor_config.json"), preprocessorConfig(dims));
  for (const dtype of dtypes) {
    for (const tower of ["text", "vision"] as const) {
      const rel = join("onnx", onnxFileName(tower, dtype));
      const bytes = await writeTowerModel(
        join(outDir, rel),
        tower,
        dims,
        seed,
        dtype,
        opts.quantize,
        opts.vision,
        opts.fp16Io,
      );
      opts.onFile?.(rel, bytes);
    }
  }
}

/** Vocabulary size of the tokenizer.json in a model directory (largest id + 1). */
export async function tokenizerVocabSize(modelDir: string): Promise<number> {
  return tokenizerVocab(await readFile(join(modelDir, "tokenizer.json"), "utf8")).size;
}

/**
 * `tiny` and `vit-b-32`: random CLIP models. `probe`: the tiny text tower with the colour-grid
 * vision tower (4 × 4 grid, projection_dim 48), whose image embeddings tell images apart.
 */
export type FixtureName = "tiny" | "vit-b-32" | "probe";

/** The probe fixture's dimensions: TINY with a 48-d projection (3 × 4 × 4 colour grid). */
export const PROBE: ClipDims = Object.freeze({ ...TINY, projectionDim: 48 });

export interface FixtureOptions {
  seed?: number;
  dtypes?: Dtype[];
  tokenizerFrom?: string;
  /** Overrides of the named size. */
  dims?: Partial<ClipDims>;
  quantize?: QuantizeOptions;
  /** fp16 files with float16 inputs and outputs (see GenerateOptions.fp16Io). */
  fp16Io?: boolean;
  /** Default <repoRoot>/.cache/fixtures. */
  cacheDir?: string;
}

export const DEFAULT_SEED = 0;

/**
 * Generates the named model once into <cacheDir>/<name>-<hash of options> and reuses it.
 * Safe under concurrency: each generator writes to its own temporary directory and renames it
 * into place; a loser of the rename race discards its copy and uses the winner's. With
 * `tokenizerFrom` and no explicit `dims.vocabSize`, the vocabulary size is the tokenizer's.
 */
export function ensureFixtureModel(name: FixtureName, opts: FixtureOptions = {}): Promise<string> {
  const base = { tiny: TINY, "vit-b-32": VIT_B_32, probe: PROBE }[name];
  if (!base) return Promise.reject(new Error(`unknown fixture ${name}`));
  const tokenizerFrom = opts.tokenizerFrom === undefined ? undefined : resolve(opts.tokenizerFrom);
  return (async () => {
    const dims: ClipDims = { ...base, ...opts.dims };
    if (tokenizerFrom !== undefined && opts.dims?.vocabSize === undefined) {
      dims.vocabSize = await tokenizerVocabSize(tokenizerFrom);
    }
    return ensureFixture(name, dims, tokenizerFrom, opts);
  })();
}

function ensureFixture(
  name: FixtureName,
  dims: ClipDims,
  tokenizerFrom: string | undefined,
  opts: FixtureOptions,
): Promise<string> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const dtypes = [...new Set<Dtype>(opts.dtypes ?? ["fp32"])].sort();
  const vision: VisionKind = name === "probe" ? "colour-grid" : "clip";
  const key = JSON.stringify({
    version: GENERATOR_VERSION,
    ...(vision === "clip" ? {} : { vision }),
    dims,
    seed,
    dtypes,
    tokenizerFrom: tokenizerFrom ?? null,
    reduceRange: opts.quantize?.reduceRange ?? true,
    // Only when set, so the keys (and cached fixtures) of existing options stay the same.
    ...(opts.fp16Io ? { fp16Io: true } : {}),
  });
  return cachedFixture(name, key, opts.cacheDir, (tmp) =>
    generateClipModel(tmp, {
      dims,
      seed,
      dtypes,
      tokenizerFrom,
      quantize: opts.quantize,
      vision,
      fp16Io: opts.fp16Io,
    }),
  );
}
