import { CLIP_PREPROCESS_DEFAULTS } from "../../image/config.js";
import { CLIP_TOKENIZER_POLICY } from "../../text/tokenizer.js";
import type { ModelFamily } from "./types.js";

/**
 * OpenAI-style CLIP (and OpenCLIP exports in the same layout): byte-level BPE with BOS/EOS from
 * tokenizer.json, 77 positions, batches padded to their longest (the causal mask and EOS pooling
 * make the padding irrelevant), shortest-edge bicubic resize + centre crop, softmax over
 * 100·cos.
 */
export const CLIP: ModelFamily = {
  name: "clip",
  title: "CLIP",
  tokenizer: CLIP_TOKENIZER_POLICY,
  preprocess: CLIP_PREPROCESS_DEFAULTS,
  textOutputs: ["text_embeds"],
  imageOutputs: ["image_embeds"],
  scoring: "softmax",
  defaultPositions: 77,
  defaultTemplate: "a photo of a {}.",
};
