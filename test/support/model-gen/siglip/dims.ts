/** SigLIP model sizes. The text head keeps the hidden size, so text and vision hidden match. */

export type SiglipFamily = "siglip" | "siglip2";

export interface SiglipDims {
  /** Width of both towers (the embedding size: SigLIP has no separate projection). */
  hidden: number;
  textHeads: number;
  textLayers: number;
  textIntermediate: number;
  /** Text vocabulary size; the generated tokenizers fill up to it. */
  vocabSize: number;
  /** Text position table (64 in every SigLIP checkpoint; the text tower has no mask). */
  maxPositions: number;
  visionHeads: number;
  visionLayers: number;
  visionIntermediate: number;
  imageSize: number;
  patchSize: number;
}

/** Fast test size: 224 px images in 16 px patches (196 tokens, like B/16), 32-wide towers. */
export const SIGLIP_TINY: SiglipDims = Object.freeze({
  hidden: 32,
  textHeads: 4,
  textLayers: 2,
  textIntermediate: 64,
  vocabSize: 1024,
  maxPositions: 64,
  visionHeads: 4,
  visionLayers: 2,
  visionIntermediate: 64,
  imageSize: 224,
  patchSize: 16,
});

/** google/siglip-base-patch16-224 (SigLIP 2 B/16 has the same towers with a 256000 vocabulary). */
export const SIGLIP_B16: SiglipDims = Object.freeze({
  hidden: 768,
  textHeads: 12,
  textLayers: 12,
  textIntermediate: 3072,
  vocabSize: 32000,
  maxPositions: 64,
  visionHeads: 12,
  visionLayers: 12,
  visionIntermediate: 3072,
  imageSize: 224,
  patchSize: 16,
});

/** Number of patch tokens (SigLIP has no class token). */
export function patchTokens(d: SiglipDims): number {
  const g = d.imageSize / d.patchSize;
  return g * g;
}

export function validateSiglipDims(d: SiglipDims): void {
  for (const [k, v] of Object.entries(d)) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new Error(`SiglipDims.${k} must be a positive integer`);
    }
  }
  if (d.hidden % d.textHeads !== 0) throw new Error("hidden must be divisible by textHeads");
  if (d.hidden % d.visionHeads !== 0) throw new Error("hidden must be divisible by visionHeads");
  if (d.imageSize % d.patchSize !== 0) throw new Error("imageSize must be divisible by patchSize");
}

/** SIGLIP_TINY with room for the Gemma-style vocabulary. */
export const SIGLIP2_TINY: SiglipDims = Object.freeze({ ...SIGLIP_TINY, vocabSize: 2048 });

/**
 * SigLIP 2 B/16 towers (google/siglip2-base-patch16-224). Its real Gemma vocabulary has 256000
 * tokens (a 786 MB embedding table); the generated one keeps 4096.
 */
export const SIGLIP2_B16: SiglipDims = Object.freeze({ ...SIGLIP_B16, vocabSize: 4096 });
