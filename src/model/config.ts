import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelError } from "../util/errors.js";
import { detectFamily, type ModelFamily } from "./families/index.js";

/** The parts of a CLIP-family config.json that zeroclip uses. */
export interface ClipConfig {
  /** The model's family (CLIP, SigLIP, SigLIP 2), detected from its files. */
  family: ModelFamily;
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

/** Read config.json (and tokenizer_config.json) and detect the model's family. */
export async function readClipConfig(dir: string): Promise<ClipConfig> {
  let raw: string;
  try {
    raw = await readFile(join(dir, "config.json"), "utf8");
  } catch {
    throw new ModelError(`${dir} has no config.json: not a model directory`, "model_file_missing");
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ModelError(`config.json in ${dir} is not valid JSON: ${(err as Error).message}`);
  }
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerConfig = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
  } catch {
    // Absent or unreadable: the tokenizer reports it if it needs it.
  }
  return parseClipConfig(json, dir, tokenizerConfig);
}

/**
 * Validate a parsed config.json (exported for the hub, which checks before downloading, when
 * tokenizer_config.json may not be known yet: SigLIP then reads as SigLIP v1, which differs from
 * SigLIP 2 only in what the tokenizer files decide).
 */
export function parseClipConfig(
  json: Record<string, unknown>,
  where: string,
  tokenizerConfig: Record<string, unknown> = {},
): ClipConfig {
  const family = detectFamily(json, tokenizerConfig, where);
  const text = (isRecord(json.text_config) ? json.text_config : {}) as Record<string, unknown>;
  const vision = (isRecord(json.vision_config) ? json.vision_config : {}) as Record<
    string,
    unknown
  >;
  const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
  // SigLIP has no projection_dim: its towers end in heads of the text tower's width.
  const projectionDim =
    num(json.projection_dim) ??
    num(text.projection_size) ??
    (family.name === "clip" ? 512 : (num(text.hidden_size) ?? num(vision.hidden_size) ?? 768));
  return {
    family,
    projectionDim,
    maxPositions: num(text.max_position_embeddings) ?? family.defaultPositions,
    logitScaleInit: num(json.logit_scale_init_value),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
