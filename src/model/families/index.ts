/**
 * Which family a model belongs to, from its own files: config.json's `model_type` /
 * `architectures`, and for SigLIP tokenizer_config.json's `tokenizer_class` (a Gemma tokenizer
 * means SigLIP 2). Nothing is guessed from the presence of keys like `text_config`; an unknown
 * family is refused with one line naming its model_type.
 */
import { ModelError } from "../../util/errors.js";
import { CLIP } from "./clip.js";
import { SIGLIP } from "./siglip.js";
import { SIGLIP2 } from "./siglip2.js";
import type { FamilyName, ModelFamily } from "./types.js";

export { CLIP } from "./clip.js";
export { SIGLIP } from "./siglip.js";
export { SIGLIP2 } from "./siglip2.js";
export type { FamilyName, ModelFamily } from "./types.js";

export const FAMILIES: Readonly<Record<FamilyName, ModelFamily>> = {
  clip: CLIP,
  siglip: SIGLIP,
  siglip2: SIGLIP2,
};

/**
 * The family of a model from its parsed config.json and tokenizer_config.json (`{}` when
 * absent). `where` names the model in the error.
 */
export function detectFamily(
  config: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  where: string,
): ModelFamily {
  const type = typeof config.model_type === "string" ? config.model_type : undefined;
  const archs = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
  const is = (re: RegExp): boolean =>
    (type !== undefined && re.test(type)) || archs.some((a) => re.test(a));
  if (type === "siglip2" || archs.some((a) => /^Siglip2/.test(a))) {
    throw new ModelError(
      `${where} is SigLIP 2 NaFlex (model_type "siglip2"), which zeroclip does not run; use a fixed-resolution SigLIP 2 checkpoint (model_type "siglip")`,
      "model_family_unknown",
    );
  }
  if (is(/^siglip$|^Siglip/)) {
    const cls =
      typeof tokenizerConfig.tokenizer_class === "string" ? tokenizerConfig.tokenizer_class : "";
    return /gemma/i.test(cls) ? SIGLIP2 : SIGLIP;
  }
  if (is(/clip/i)) return CLIP;
  const what = type !== undefined ? `model_type ${JSON.stringify(type)}` : "no model_type";
  throw new ModelError(
    `${where}: unknown model family (${what}${archs.length ? `, ${archs.join(", ")}` : ""}); zeroclip runs CLIP, SigLIP and SigLIP 2`,
    "model_family_unknown",
  );
}
