/**
 * Which image-embedding space an adapter belongs to. Its keys, means and weights only make sense
 * for the vision tower and preprocessing that produced them, so an adapter records them and
 * refuses another model. (The text half, W, is stored in the adapter itself.)
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { ClipModel } from "../model/clip-model.js";
import { onnxFiles } from "../model/files.js";
import { ModelError } from "../util/errors.js";
import { stableStringify } from "../util/hash.js";

export interface ModelIdentity {
  /** The model directory (informative: the same weights may live elsewhere). */
  model: string;
  dtype: string;
  /** SHA-256 of the vision ONNX file's bytes and the preprocessing config. */
  fingerprint: string;
  /** Embedding dimension. */
  dim: number;
}

/** The identity of a loaded model's image embeddings (reads the vision ONNX file once). */
export async function modelIdentity(
  model: Pick<ClipModel, "dir" | "dtype" | "preprocess" | "config">,
): Promise<ModelIdentity> {
  const hash = createHash("sha256");
  const file = join(model.dir, onnxFiles(model.dtype).vision);
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", (err) => reject(new ModelError(`cannot read ${file}: ${err.message}`)))
      .on("end", () => resolve());
  });
  hash.update("\0");
  hash.update(stableStringify(model.preprocess));
  return {
    model: model.dir,
    dtype: model.dtype,
    fingerprint: hash.digest("hex"),
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
  );
}
