/**
 * The image pass of an evaluation: every image is read once, hashed (SHA-256 of its bytes) and
 * looked up in the embedding store; only the misses are decoded and embedded, and their
 * embeddings are appended to the store chunk by chunk (a killed run keeps what it finished).
 */
import { join } from "node:path";
import {
  embeddingImageSettings,
  type ImageSettings,
  resolveImageSettings,
} from "../image/settings.js";
import { readImageSource } from "../image/source.js";
import { type ViewId, viewKey, viewSpec } from "../image/views.js";
import type { ClipModel } from "../model/clip-model.js";
import { type ImageSideIdentity, imageSideIdentity } from "../model/identity.js";
import type { ImageEmbedOptions, ImageEmbedResult } from "../model/image-pipeline.js";
import { zeroclipCacheDir } from "../util/cache-dir.js";
import { inputFailure, UsageError } from "../util/errors.js";
import { hashKey, sha256 } from "../util/hash.js";
import { ImageEmbeddingStore } from "./embedding-store.js";

/**
 * What identifies the embeddings a model gives for given bytes: the model's image side (vision
 * ONNX file, config.json, preprocessor_config.json by content, and the dtype), its parsed
 * preprocessing, and the image settings that change pixels.
 */
export interface ImageModelIdentity extends ImageSideIdentity {
  preprocess: unknown;
  exifOrientation: boolean;
  preprocessVersion: number;
}

/**
 * The image settings an identity is made under: resolved `ImageSettings` (a use case's one value),
 * or an EXIF setting alone (the other settings' defaults).
 */
export type IdentitySettings = boolean | Pick<ImageSettings, "exifOrientation">;

/** The identity of a loaded model's image embeddings under the given image settings. */
export async function imageModelIdentity(
  model: Pick<ClipModel, "dir" | "dtype" | "preprocess">,
  settings: IdentitySettings,
  cacheDir?: string,
): Promise<ImageModelIdentity> {
  const exifOrientation = typeof settings === "boolean" ? settings : settings.exifOrientation;
  return {
    ...(await imageSideIdentity(model, cacheDir)),
    preprocess: model.preprocess,
    ...embeddingImageSettings(resolveImageSettings({ exifOrientation })),
  };
}

/** `<cache>/image-embeddings/<hash of identity>.bin`. */
export function imageStorePath(
  identity: ImageModelIdentity,
  cacheDir: string = zeroclipCacheDir(),
): string {
  return join(cacheDir, "image-embeddings", `${hashKey(identity).slice(0, 32)}.bin`);
}

/** Open the store for a model (created on first write). */
export async function openImageStore(
  model: Pick<ClipModel, "dir" | "dtype" | "preprocess">,
  settings: IdentitySettings,
  cacheDir?: string,
): Promise<ImageEmbeddingStore> {
  const identity = await imageModelIdentity(model, settings, cacheDir);
  return ImageEmbeddingStore.open(imageStorePath(identity, cacheDir), identity);
}

/** What the image pass needs from a model. */
export interface ImageEmbedder {
  embedImages(
    sources: readonly Uint8Array[],
    opts?: ImageEmbedOptions,
  ): Promise<ImageEmbedResult[]>;
}

export interface ImagePassOptions extends ImageEmbedOptions {
  /** Where embeddings are looked up and added; without one, everything is computed. */
  store?: ImageEmbeddingStore;
  /** Images read per chunk (default 256); each chunk's new embeddings are written at once. */
  chunkSize?: number;
  /**
   * Embed this augmented view of every image instead of its centre crop (few-shot support sets).
   * Views are cached under their own key (src/image/views.ts), next to the plain embeddings.
   */
  view?: ViewId;
}

export interface ImagePassResult {
  /** One per path, in order: an embedding (L2-normalized) or an error. */
  results: ImageEmbedResult[];
  /** Images embedded by the model in this run. */
  computed: number;
  /** Images whose embedding came from the store (or from an identical image earlier in the run). */
  cached: number;
  failed: number;
}

/**
 * The EXIF setting a store's embeddings were made with: images looked up in it must be decoded
 * the same way, or their embeddings would be filed under another setting's key.
 */
export function storeExifOrientation(
  store: Pick<ImageEmbeddingStore, "identity">,
): boolean | undefined {
  const identity = store.identity as Partial<ImageModelIdentity> | null | undefined;
  return typeof identity?.exifOrientation === "boolean" ? identity.exifOrientation : undefined;
}

/**
 * Embed image files, using and filling the store. Per-image failures become error records.
 * With a store, images are decoded with the store's EXIF setting (`exifOrientation` may be left
 * out; another value than the store's is a `UsageError`, never a poisoned cache).
 */
export async function embedImageFiles(
  model: ImageEmbedder,
  paths: readonly string[],
  opts: ImagePassOptions = {},
): Promise<ImagePassResult> {
  const { store, chunkSize = 256, onProgress, view, ...embedOpts } = opts;
  const stored = store ? storeExifOrientation(store) : undefined;
  if (stored !== undefined) {
    if (embedOpts.exifOrientation !== undefined && embedOpts.exifOrientation !== stored) {
      throw new UsageError(
        `the image-embedding cache ${store?.path} holds embeddings made with EXIF orientation ` +
          `${stored ? "on" : "off"}; decoding with it ${stored ? "off" : "on"} would mix them up`,
      );
    }
    embedOpts.exifOrientation = stored;
  }
  const results = new Array<ImageEmbedResult>(paths.length);
  const known = new Map<string, Float32Array>();
  let computed = 0;
  let cached = 0;
  let done = 0;

  const read = (start: number) =>
    Promise.all(
      paths.slice(start, start + chunkSize).map(async (path) => {
        try {
          const bytes = await readImageSource(path, embedOpts);
          return { bytes, hash: sha256(bytes), error: undefined };
        } catch (err) {
          return { ...inputFailure(err, "file_unreadable"), bytes: undefined, hash: undefined };
        }
      }),
    );

  let next = paths.length > 0 ? read(0) : undefined;
  for (let start = 0; start < paths.length; start += chunkSize) {
    const chunk = await next!;
    next = start + chunkSize < paths.length ? read(start + chunkSize) : undefined;
    const misses = new Map<string, { bytes: Uint8Array; hash: string; at: number[] }>();
    chunk.forEach((r, k) => {
      const i = start + k;
      const input = paths[i];
      if (r.error !== undefined) {
        results[i] = { input, code: r.code, error: r.error };
        return;
      }
      const key = view ? viewKey(r.hash, view) : r.hash;
      const hit = known.get(key) ?? store?.get(key);
      if (hit) {
        known.set(key, hit);
        results[i] = { input, embedding: hit.slice() };
        cached++;
        return;
      }
      const miss = misses.get(key);
      if (miss) miss.at.push(i);
      else misses.set(key, { bytes: r.bytes, hash: r.hash, at: [i] });
    });
    const base = done + chunk.length - [...misses.values()].reduce((a, m) => a + m.at.length, 0);
    onProgress?.(base, paths.length);
    const list = [...misses.entries()];
    if (list.length > 0) {
      const embedded = await model.embedImages(
        list.map(([, m]) => m.bytes),
        {
          ...embedOpts,
          views: view ? list.map(([, m]) => viewSpec(m.hash, view)) : undefined,
          onProgress: (d) => onProgress?.(base + d, paths.length),
        },
      );
      const fresh: { hash: string; embedding: Float32Array }[] = [];
      embedded.forEach((res, j) => {
        const [hash, m] = list[j];
        m.at.forEach((i, n) => {
          const input = paths[i];
          if (res.embedding) {
            results[i] = { input, embedding: res.embedding.slice() };
            if (n === 0) computed++;
            else cached++;
          } else results[i] = { input, code: res.code, error: res.error };
        });
        if (res.embedding) {
          known.set(hash, res.embedding);
          fresh.push({ hash, embedding: res.embedding });
        }
      });
      if (store && fresh.length > 0) await store.append(fresh);
    }
    done += chunk.length;
    onProgress?.(done, paths.length);
  }
  const failed = results.filter((r) => r.error !== undefined).length;
  return { results, computed, cached, failed };
}
