import type { PreprocessDefaults } from "../../image/config.js";
import { siglipCanonical } from "../../text/canonicalize.js";
import type { ModelFamily } from "./types.js";

/** `SiglipImageProcessor`'s defaults: 0.5 mean and std, no centre crop. */
export const SIGLIP_PREPROCESS_DEFAULTS: PreprocessDefaults = {
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  doCenterCrop: false,
};

/** Transformers.js' SigLIP exports name the projected output `pooler_output`. */
const TEXT_OUTPUTS = ["text_embeds", "pooler_output"] as const;
const IMAGE_OUTPUTS = ["image_embeds", "pooler_output"] as const;

/**
 * SigLIP (v1, including the multilingual i18n checkpoints): `SiglipTokenizer`'s lowercasing and
 * canonicalization before SentencePiece, EOS appended, every text padded to the 64 positions
 * with the pad id (the text tower has no padding mask and pools the last position, so the
 * padding is part of the input), fixed-size bicubic resize with no crop, and per-label
 * `sigmoid(scale·cos + bias)`.
 */
export const SIGLIP: ModelFamily = {
  name: "siglip",
  title: "SigLIP",
  tokenizer: {
    canonicalize: siglipCanonical,
    special: () => ({ bos: false, eos: true }),
    defaultEos: "</s>",
    padToMaxLength: true,
    padSide: "right",
  },
  preprocess: SIGLIP_PREPROCESS_DEFAULTS,
  textOutputs: TEXT_OUTPUTS,
  imageOutputs: IMAGE_OUTPUTS,
  scoring: "sigmoid",
  defaultPositions: 64,
  defaultTemplate: "This is a photo of {}.",
};
