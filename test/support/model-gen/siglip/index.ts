/**
 * Seeded generator of random-weight SigLIP and SigLIP 2 (fixed resolution) models in the
 * Transformers.js directory layout. See docs/model-generator.md ("SigLIP").
 */

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { cachedFixture } from "../fixture-cache.js";
import { GENERATOR_VERSION } from "../model.js";
import {
  SIGLIP_B16,
  SIGLIP_TINY,
  SIGLIP2_B16,
  SIGLIP2_TINY,
  type SiglipDims,
  type SiglipFamily,
  validateSiglipDims,
} from "./dims.js";
import { writeSiglipSideFiles } from "./files.js";
import {
  type SiglipDtype,
  type SiglipGraphKind,
  siglipOnnxFileName,
  writeSiglipModel,
} from "./model.js";
import { MIN_GEMMA_VOCAB } from "./tokenizer-gemma.js";
import { MIN_UNIGRAM_VOCAB } from "./tokenizer-unigram.js";
import { DEFAULT_LOGITS, type SiglipLogitParams } from "./weights.js";

export {
  patchTokens,
  SIGLIP_B16,
  SIGLIP_TINY,
  SIGLIP2_B16,
  SIGLIP2_TINY,
  type SiglipDims,
  type SiglipFamily,
} from "./dims.js";
export { type SiglipDtype, type SiglipGraphKind, siglipOnnxFileName } from "./model.js";
export { DEFAULT_LOGITS, generateSiglipWeights, type SiglipLogitParams } from "./weights.js";

/** Bumped whenever SigLIP output bytes change (part of the fixture cache key). */
export const SIGLIP_GENERATOR_VERSION = "1";

export interface SiglipGenerateOptions {
  family: SiglipFamily;
  dims: SiglipDims;
  seed: number;
  /** Default ["fp32"]; q8 → onnx/*_quantized.onnx (dynamic int8 MatMuls). */
  dtypes?: SiglipDtype[];
  /** The joint model's logit_scale / logit_bias (default ln 10 and -2.5). */
  logits?: SiglipLogitParams;
  /**
   * SigLIP v1: write a tokenizer.json whose normalizer neither lowercases nor removes
   * punctuation, so only a runtime that canonicalizes by itself gets Python's ids.
   */
  plainTokenizer?: boolean;
  onFile?: (relativePath: string, bytes: number) => void;
}

/** Smallest vocabulary the family's generated tokenizer fits in. */
export function minSiglipVocab(family: SiglipFamily): number {
  return family === "siglip" ? MIN_UNIGRAM_VOCAB : MIN_GEMMA_VOCAB;
}

/** Writes a complete SigLIP model directory to `outDir` (created if needed). */
export async function generateSiglipModel(
  outDir: string,
  opts: SiglipGenerateOptions,
): Promise<void> {
  const { dims, seed, family } = opts;
  validateSiglipDims(dims);
  if (family !== "siglip" && family !== "siglip2") throw new Error(`unknown family ${family}`);
  if (!Number.isSafeInteger(seed)) throw new Error("seed must be an integer");
  await mkdir(join(outDir, "onnx"), { recursive: true });
  if (opts.plainTokenizer && family !== "siglip") {
    throw new Error("plainTokenizer is for the SigLIP (v1) tokenizer");
  }
  await writeSiglipSideFiles(outDir, dims, family, opts.plainTokenizer);
  for (const dtype of [...new Set<SiglipDtype>(opts.dtypes ?? ["fp32"])]) {
    for (const kind of ["text", "vision", "joint"] as SiglipGraphKind[]) {
      const rel = join("onnx", siglipOnnxFileName(kind, dtype));
      const path = join(outDir, rel);
      const bytes = await writeSiglipModel(path, family, kind, dims, seed, dtype, opts.logits);
      opts.onFile?.(rel, bytes);
    }
  }
}

/** `siglip-tiny` / `siglip2-tiny` (tests), `siglip-b16` / `siglip2-b16` (benchmarks). */
export type SiglipFixtureName = "siglip-tiny" | "siglip2-tiny" | "siglip-b16" | "siglip2-b16";

export interface SiglipFixtureOptions {
  seed?: number;
  dtypes?: SiglipDtype[];
  dims?: Partial<SiglipDims>;
  logits?: SiglipLogitParams;
  /** See SiglipGenerateOptions.plainTokenizer. */
  plainTokenizer?: boolean;
  /** Default <repoRoot>/.cache/fixtures. */
  cacheDir?: string;
}

export function siglipFixtureSpec(name: SiglipFixtureName): {
  family: SiglipFamily;
  dims: SiglipDims;
} {
  const sizes: Record<SiglipFixtureName, [SiglipFamily, SiglipDims]> = {
    "siglip-tiny": ["siglip", SIGLIP_TINY],
    "siglip2-tiny": ["siglip2", SIGLIP2_TINY],
    "siglip-b16": ["siglip", SIGLIP_B16],
    "siglip2-b16": ["siglip2", SIGLIP2_B16],
  };
  const spec = sizes[name];
  if (!spec) throw new Error(`unknown SigLIP fixture ${name}`);
  return { family: spec[0], dims: spec[1] };
}

/**
 * Generates the named SigLIP model once into <cacheDir>/<name>-<hash of options> and reuses it
 * (safe under concurrency: write to a temporary directory, then rename into place).
 */
export function ensureSiglipFixture(
  name: SiglipFixtureName,
  opts: SiglipFixtureOptions = {},
): Promise<string> {
  let spec: { family: SiglipFamily; dims: SiglipDims };
  try {
    spec = siglipFixtureSpec(name);
  } catch (err) {
    return Promise.reject(err);
  }
  const dims: SiglipDims = { ...spec.dims, ...opts.dims };
  const seed = opts.seed ?? 0;
  const dtypes = [...new Set<SiglipDtype>(opts.dtypes ?? ["fp32"])].sort();
  const logits = opts.logits ?? DEFAULT_LOGITS;
  const key = JSON.stringify({
    version: `${GENERATOR_VERSION}/${SIGLIP_GENERATOR_VERSION}`,
    family: spec.family,
    dims,
    seed,
    dtypes,
    logits,
    ...(opts.plainTokenizer ? { plainTokenizer: true } : {}),
  });
  return cachedFixture(name, key, opts.cacheDir, (tmp) =>
    generateSiglipModel(tmp, {
      family: spec.family,
      dims,
      seed,
      dtypes,
      logits,
      plainTokenizer: opts.plainTokenizer,
    }),
  );
}
