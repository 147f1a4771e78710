/**
 * A store's model identity: the model's content (from `model/identity.ts`, the one identity
 * module), dimension, and the image settings its embeddings were made with; recorded when the
 * store is created and checked by every later run.
 */
import { embeddingImageSettings, resolveImageSettings } from "../image/settings.js";
import type { ClipModel } from "../model/clip-model.js";
import { imageSideIdentity, textSideIdentity } from "../model/identity.js";
import { ModelError, UsageError } from "../util/errors.js";
import { hashKey } from "../util/hash.js";
import type { StoreIdentity, VectorStore } from "./types.js";

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
  const [image, text] = await Promise.all([
    imageSideIdentity(model, opts.cacheDir),
    textSideIdentity(model, opts.cacheDir),
  ]);
  const content = {
    dtype: model.dtype,
    dim: model.config.projectionDim,
    vision: image.vision,
    text: text.text,
    configs: image.configs,
    ...embeddingImageSettings(resolveImageSettings({ exifOrientation: opts.exifOrientation })),
    ...(model.config.family.name !== "clip" ? { family: model.config.family.name } : {}),
  };
  const tokenizer = {
    tokenizer: text.configs.tokenizer,
    tokenizerConfig: text.configs.tokenizerConfig,
  };
  return {
    key: hashKey({ ...content, tokenizer }),
    model: opts.name ?? model.dir,
    ...content,
    tokenizer,
  };
}

/**
 * The key `identity` would have had before the tokenizer files were part of it: a store made
 * then records no `tokenizer`, and is compared on this key (its tokenizer files are not known).
 */
export function keyWithoutTokenizer(identity: StoreIdentity): string {
  const { dtype, dim, vision, text, configs, exifOrientation, preprocessVersion, family } =
    identity;
  return hashKey({
    dtype,
    dim,
    vision,
    text,
    configs,
    exifOrientation,
    preprocessVersion,
    ...(family !== undefined ? { family } : {}),
  });
}

/** Whether `given` is the model `stored` was made with (stores of either identity format). */
export function sameModel(stored: StoreIdentity, given: StoreIdentity): boolean {
  if (stored.dim !== given.dim) return false;
  if (stored.key === given.key) return true;
  return stored.tokenizer === undefined && stored.key === keyWithoutTokenizer(given);
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
  if (
    a.tokenizer &&
    b.tokenizer &&
    (a.tokenizer.tokenizer !== b.tokenizer.tokenizer ||
      a.tokenizer.tokenizerConfig !== b.tokenizer.tokenizerConfig)
  ) {
    return "another tokenizer (tokenizer.json or tokenizer_config.json)";
  }
  return "other model configuration files";
}

/** Throw a `ModelError` naming both models when two identities differ. */
export function assertSameModel(
  stored: StoreIdentity,
  given: StoreIdentity,
  location: string,
): void {
  if (sameModel(stored, given)) return;
  throw new ModelError(
    `${location} holds ${stored.dim}-d embeddings of ${stored.model} (${stored.dtype}); ` +
      `this run uses ${identityDifference(stored, given)} (${given.model}, ${given.dtype}, ` +
      `${given.dim}-d): index into another --store, or use --model ${stored.model} --dtype ${stored.dtype}`,
    "model_mismatch",
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
    throw new UsageError(
      `${store.location} is empty: fill it with \`zeroclip index\` first`,
      "store_not_found",
    );
  }
  const given = await modelIdentity(model, { name, exifOrientation: stored.exifOrientation });
  assertSameModel(stored, given, store.location);
  return stored;
}
