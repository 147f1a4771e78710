/**
 * A model's scoring (IO side): CLIP's trained scale, or SigLIP's scale and bias read from the
 * `logit_scale` / `logit_bias` initializers of `onnx/model.onnx` (the split towers of the
 * Transformers.js exports carry neither), with the caller's overrides taking precedence.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Scoring } from "../math/scoring.js";
import { ModelError } from "../util/errors.js";
import { TRAINED_LOGIT_SCALE } from "./config.js";
import type { ModelFamily } from "./families/index.js";
import type { RememberedScalars } from "./hub/scalars.js";
import { readScalarInitializers } from "./onnx-scalars.js";

export interface ScoringOverrides {
  /**
   * The multiplier of cosine similarities (not its log). CLIP: default 100, the trained value
   * (never config.json's initial one). SigLIP: default exp(logit_scale) from onnx/model.onnx.
   */
  logitScale?: number;
  /** Sigmoid families: the bias added to every logit; default logit_bias from onnx/model.onnx. */
  logitBias?: number;
}

/** The full model graph of a Transformers.js export, holding SigLIP's scale and bias. */
export const FULL_MODEL_FILE = join("onnx", "model.onnx");

/**
 * The scoring of a model in `dir`, or, for a sigmoid family whose values are not available,
 * `undefined` with the one-line reason (embedding needs neither value).
 */
export async function resolveScoring(
  dir: string,
  family: ModelFamily,
  opts: ScoringOverrides,
  /** What a hub resolution read from (or knows of) the remote onnx/model.onnx. */
  remote: RememberedScalars = {},
): Promise<{ scoring: Scoring | undefined; problem: string }> {
  if (opts.logitScale !== undefined && !(opts.logitScale > 0)) {
    throw new ModelError(`logit scale must be positive, got ${opts.logitScale}`);
  }
  if (opts.logitBias !== undefined && !Number.isFinite(opts.logitBias)) {
    throw new ModelError(`logit bias must be a finite number, got ${opts.logitBias}`);
  }
  if (family.scoring === "softmax") {
    return {
      scoring: { kind: "softmax", scale: opts.logitScale ?? TRAINED_LOGIT_SCALE },
      problem: "",
    };
  }
  let scale = opts.logitScale;
  let bias = opts.logitBias;
  const file = join(dir, FULL_MODEL_FILE);
  if ((scale === undefined || bias === undefined) && existsSync(file)) {
    const found = await readScalarInitializers(file, ["logit_scale", "logit_bias"]);
    const logScale = found.get("logit_scale");
    // The initializer is the trained parameter; the graph multiplies by its exponential.
    if (scale === undefined && logScale !== undefined) scale = Math.exp(logScale);
    bias ??= found.get("logit_bias");
  } else if (remote.values) {
    const logScale = remote.values.logit_scale;
    if (scale === undefined && logScale !== undefined) scale = Math.exp(logScale);
    bias ??= remote.values.logit_bias;
  }
  if (scale !== undefined && bias !== undefined) {
    return { scoring: { kind: "sigmoid", scale, bias }, problem: "" };
  }
  const missing = [scale === undefined ? "logit scale" : "", bias === undefined ? "logit bias" : ""]
    .filter(Boolean)
    .join(" and ");
  const where = existsSync(file)
    ? `${file} has no scalar initializer for it`
    : remote.values
      ? `the hub's ${FULL_MODEL_FILE} has no scalar initializer for it`
      : (remote.problem ?? `${file} is absent`);
  return {
    scoring: undefined,
    problem: `${family.title} probabilities need the ${missing}: ${where}; pass --logit-scale and --logit-bias (or logitScale/logitBias)`,
  };
}
