/**
 * The identity of a model's embeddings, from the content of its files rather than their paths,
 * so that the same hub model gives the same identity on every machine (wherever its cache is)
 * and a re-downloaded or edited file does not.
 * File hashes come from `fileSha256` (free for hub blobs, computed once otherwise).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { PREPROCESS_VERSION } from "../eval/image-pass.js";
import type { ClipModel } from "../model/clip-model.js";
import { onnxFiles } from "../model/files.js";
import { ModelError, UsageError } from "../util/errors.js";
import { fileSha256 } from "../util/file-sha256.js";
import { hashKey, sha256 } from "../util/hash.js";
import type { ModelFileIdentity, StoreIdentity, VectorStore } from "./types.js";

async function fileIdentity(dir: string, file: string, cacheDir?: string) {
  const path = join(dir, file);
  const [st, digest] = await Promise.all([stat(path), fileSha256(path, cacheDir)]);
  return { file, size: st.size, sha256: digest } satisfies ModelFileIdentity;
}

export interface IdentityOptions {
  /** How the model was named (hub repo id or directory); default the model directory. */
  name?: string;
  /** Whether EXIF orientation is applied when decoding (default true). */
  exifOrientation?: boolean;
  /** Where computed file hashes are remembered (default `<zeroclip cache>`). */
  cacheDir?: string;
}

/** The identity of a loaded model's embeddings (see `StoreIdentity`). */
export async function modelIdentity(
  model: Pick<ClipModel, "dir" | "dtype" | "config">,
  opts: IdentityOptions = {},
): Promise<StoreIdentity> {
  const files = onnxFiles(model.dtype);
  const [vision, text, config, preprocessor] = await Promise.all([
    fileIdentity(model.dir, files.vision, opts.cacheDir),
    fileIdentity(model.dir, files.text, opts.cacheDir),
    readFile(join(model.dir, "config.json")).then(sha256),
    readFile(join(model.dir, "preprocessor_config.json")).then(sha256),
  ]);
  const content = {
    dtype: model.dtype,
    dim: model.config.projectionDim,
    vision,
    text,
    configs: { config, preprocessor },
    exifOrientation: opts.exifOrientation ?? true,
    preprocessVersion: PREPROCESS_VERSION,
    ...(model.config.family.name !== "clip" ? { family: model.config.family.name } : {}),
  };
  return { key: hashKey(content), model: opts.name ?? model.dir, ...content };
}

/** Why two identities differ, in a few words (for error messages). */
export function identityDifference(a: StoreIdentity, b: StoreIdentity): string {
  if (a.dtype !== b.dtype) return `dtype ${b.dtype} instead of ${a.dtype}`;
  if (a.family !== b.family) return `a ${b.family ?? "clip"} model, not ${a.family ?? "clip"}`;
  if (a.vision.sha256 !== b.vision.sha256 || a.text.sha256 !== b.text.sha256) {
    return "another model";
  }
  if (a.exifOrientation !== b.exifOrientation) {
    return a.exifOrientation ? "--no-exif-orientation" : "EXIF orientation on";
  }
  if (a.preprocessVersion !== b.preprocessVersion) {
    return `preprocessing version ${b.preprocessVersion} instead of ${a.preprocessVersion} (re-index)`;
  }
  return "other model configuration files";
}

/** Throw a `ModelError` naming both models when two identities differ. */
export function assertSameModel(
  stored: StoreIdentity,
  given: StoreIdentity,
  location: string,
): void {
  if (stored.key === given.key && stored.dim === given.dim) return;
  throw new ModelError(
    `${location} holds ${stored.dim}-d embeddings of ${stored.model} (${stored.dtype}); ` +
      `this run uses ${identityDifference(stored, given)} (${given.model}, ${given.dtype}, ` +
      `${given.dim}-d): index into another --store, or use --model ${stored.model} --dtype ${stored.dtype}`,
  );
}

/**
 * Check that `model` is the model a store was indexed with (its identity, computed with the
 * store's EXIF setting); returns the stored identity. An empty store is a `UsageError`.
 */
export async function assertStoreModel(
  store: Pick<VectorStore, "identity" | "location">,
  model: Pick<ClipModel, "dir" | "dtype" | "config">,
  name?: string,
): Promise<StoreIdentity> {
  const stored = await store.identity();
  if (!stored) {
    throw new UsageError(`${store.location} is empty: fill it with \`zeroclip index\` first`);
  }
  const given = await modelIdentity(model, { name, exifOrientation: stored.exifOrientation });
  assertSameModel(stored, given, store.location);
  return stored;
}
