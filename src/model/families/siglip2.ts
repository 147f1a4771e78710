import { lowercase } from "../../text/canonicalize.js";
import { SIGLIP, SIGLIP_PREPROCESS_DEFAULTS } from "./siglip.js";
import type { ModelFamily } from "./types.js";

/** A tokenizer_config.json flag, or the default when it is absent. */
function flag(config: Record<string, unknown>, key: string, dflt: boolean): boolean {
  return typeof config[key] === "boolean" ? (config[key] as boolean) : dflt;
}

/**
 * SigLIP 2 with fixed resolution (config.json model_type `siglip`, a Gemma tokenizer): Gemma's
 * BPE with `add_bos_token` / `add_eos_token` honoured (GemmaTokenizer's defaults: BOS yes, EOS
 * no; the released checkpoints say BOS no, EOS yes), text lowercased as the model was trained
 * (transformers' `Siglip2Tokenizer` puts a Lowercase normalizer first) but punctuation kept,
 * padded to the 64 positions with `<pad>`; images resized as the config says (bilinear for the
 * released checkpoints) with no crop; scored like SigLIP.
 */
export const SIGLIP2: ModelFamily = {
  ...SIGLIP,
  name: "siglip2",
  title: "SigLIP 2",
  tokenizer: {
    canonicalize: lowercase,
    special: (config) => ({
      bos: flag(config, "add_bos_token", true),
      eos: flag(config, "add_eos_token", false),
    }),
    defaultEos: "<eos>",
    padToMaxLength: true,
    padSide: "right",
  },
  preprocess: SIGLIP_PREPROCESS_DEFAULTS,
};
