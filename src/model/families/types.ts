import type { PreprocessDefaults } from "../../image/config.js";
import type { TokenizerPolicy } from "../../text/tokenizer.js";

/** The families zeroclip runs. */
export type FamilyName = "clip" | "siglip" | "siglip2";

/**
 * Everything that differs between CLIP-family models, as data: a next family is one new file
 * beside clip.ts and siglip.ts, listed in index.ts.
 */
export interface ModelFamily {
  name: FamilyName;
  /** A human name for messages and docs. */
  title: string;
  tokenizer: TokenizerPolicy;
  /** The image processor's defaults for keys preprocessor_config.json omits. */
  preprocess: PreprocessDefaults;
  /** Output names of text_model.onnx / vision_model.onnx, preferred first. */
  textOutputs: readonly string[];
  imageOutputs: readonly string[];
  /**
   * How cosine similarities become probabilities: a softmax over `scale·cos` across labels
   * (CLIP), or `sigmoid(scale·cos + bias)` per label, independent of the others (SigLIP).
   */
  scoring: "softmax" | "sigmoid";
  /** Text positions when config.json's text_config does not say. */
  defaultPositions: number;
  /** The template a label is put in when none is given (the Hugging Face pipeline's). */
  defaultTemplate: string;
}
