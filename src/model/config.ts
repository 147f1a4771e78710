import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelError } from "../util/errors.js";

/** The parts of a CLIP config.json that zeroclip uses. */
export interface ClipConfig {
  projectionDim: number;
  /** Text positions (77 for CLIP): the tokenizer truncates to this. */
  maxPositions: number;
  /** From config.json; the *initial* value of training, reported but never used for scores. */
  logitScaleInit: number | undefined;
}

/**
 * The trained logit scale of OpenAI and OpenCLIP checkpoints: exp(4.6052) = 100, the clamp
 * reached in training. config.json only holds `logit_scale_init_value` (2.6592 → 14.3), the
 * value training started from, which would flatten every probability.
 */
export const TRAINED_LOGIT_SCALE = 100;

/** Read config.json and check that it describes a CLIP model. */
export async function readClipConfig(dir: string): Promise<ClipConfig> {
  let raw: string;
  try {
    raw = await readFile(join(dir, "config.json"), "utf8");
  } catch {
    throw new ModelError(`${dir} has no config.json: not a model directory`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ModelError(`config.json in ${dir} is not valid JSON: ${(err as Error).message}`);
  }
  return parseClipConfig(json, dir);
}

/** Validate a parsed config.json (exported for the hub, which checks before downloading). */
export function parseClipConfig(json: Record<string, unknown>, where: string): ClipConfig {
  const type = json.model_type;
  const archs = Array.isArray(json.architectures) ? json.architectures.join(", ") : "";
  const isClip =
    (typeof type === "string" && /clip/i.test(type)) ||
    /clip/i.test(archs) ||
    "text_config" in json;
  if (!isClip) {
    throw new ModelError(
      `${where} is not a CLIP model (model_type ${JSON.stringify(type ?? null)}${archs ? `, ${archs}` : ""})`,
    );
  }
  const text = (json.text_config ?? {}) as Record<string, unknown>;
  const num = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);
  return {
    projectionDim: num(json.projection_dim, 512),
    maxPositions: num(text.max_position_embeddings, 77),
    logitScaleInit:
      typeof json.logit_scale_init_value === "number" ? json.logit_scale_init_value : undefined,
  };
}
