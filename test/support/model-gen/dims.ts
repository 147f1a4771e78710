/** Model sizes. */

export interface ClipDims {
  textHidden: number;
  textHeads: number;
  textLayers: number;
  textIntermediate: number;
  vocabSize: number;
  maxPositions: number;
  visionHidden: number;
  visionHeads: number;
  visionLayers: number;
  visionIntermediate: number;
  imageSize: number;
  patchSize: number;
  projectionDim: number;
}

/** Like ../shared/models/tiny-clip, with the generated tokenizer's vocabulary size. */
export const TINY: ClipDims = Object.freeze({
  textHidden: 32,
  textHeads: 4,
  textLayers: 2,
  textIntermediate: 64,
  vocabSize: 1024,
  maxPositions: 77,
  visionHidden: 32,
  visionHeads: 4,
  visionLayers: 2,
  visionIntermediate: 64,
  imageSize: 224,
  patchSize: 32,
  projectionDim: 16,
});

/** openai/clip-vit-base-patch32. */
export const VIT_B_32: ClipDims = Object.freeze({
  textHidden: 512,
  textHeads: 8,
  textLayers: 12,
  textIntermediate: 2048,
  vocabSize: 49408,
  maxPositions: 77,
  visionHidden: 768,
  visionHeads: 12,
  visionLayers: 12,
  visionIntermediate: 3072,
  imageSize: 224,
  patchSize: 32,
  projectionDim: 512,
});

/** Number of vision tokens: patches plus the class token. */
export function visionTokens(d: ClipDims): number {
  const g = d.imageSize / d.patchSize;
  return g * g + 1;
}

export function validateDims(d: ClipDims): void {
  for (const [k, v] of Object.entries(d)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`ClipDims.${k} must be a positive integer`);
  }
  if (d.textHidden % d.textHeads !== 0)
    throw new Error("textHidden must be divisible by textHeads");
  if (d.visionHidden % d.visionHeads !== 0) {
    throw new Error("visionHidden must be divisible by visionHeads");
  }
  if (d.imageSize % d.patchSize !== 0) throw new Error("imageSize must be divisible by patchSize");
}
