/**
 * Which image-embedding space an adapter belongs to. Its keys, means and weights only make sense
 * for the vision tower and preprocessing that produced them, so an adapter records them and
 * refuses another model. (The text half, W, is stored in the adapter itself.)
 */
import type { ClipModel } from "../model/clip-model.js";
import { onnxFiles } from "../model/files.js";
import { fileIdentity } from "../model/identity.js";
import { ModelError } from "../util/errors.js";
import { hashKey } from "../util/hash.js";

export interface ModelIdentity {
  /** The model directory (informative: the same weights may live elsewhere). */
  model: string;
  dtype: string;
  /** Hash of the vision ONNX file's SHA-256 and the preprocessing config. */
  fingerprint: string;
  /** Embedding dimension. */
  dim: number;
}

/**
 * The identity of a loaded model's image embeddings: the vision ONNX file's SHA-256 (from
 * `model/identity.ts`: free for hub files, computed once per file otherwise) and the
 * preprocessing config.
 */
export async function modelIdentity(
  model: Pick<ClipModel, "dir" | "dtype" | "preprocess" | "config">,
): Promise<ModelIdentity> {
  // The adapter file's format: the vision file's SHA-256 and the parsed preprocessing only.
  const vision = (await fileIdentity(model.dir, onnxFiles(model.dtype).vision)).sha256;
  return {
    model: model.dir,
    dtype: model.dtype,
    fingerprint: hashKey({ vision, preprocess: model.preprocess }),
    dim: model.config.projectionDim,
  };
}

/** Throw a ModelError unless `actual` is the model `expected` was made with. */
export function checkModelIdentity(
  expected: ModelIdentity,
  actual: ModelIdentity,
  what = "the adapter",
): void {
  if (expected.fingerprint === actual.fingerprint && expected.dim === actual.dim) return;
  const describe = (m: ModelIdentity) =>
    `${m.model} (${m.dtype}, ${m.dim}-d, vision ${m.fingerprint.slice(0, 12)})`;
  throw new ModelError(
    `${what} was made with ${describe(expected)}, not with ${describe(actual)}: ` +
      "rebuild it with `zeroclip adapt --model …` for this model",
    "model_mismatch",
  );
}
