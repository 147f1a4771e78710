/**
 * Which augmented view is which: view `index` of an image under `seed` gets its own generator
 * seed and its own key in the image-embedding cache, both derived from the SHA-256 of the image
 * bytes, so the same image gives the same views in every run (and on every machine).
 */
import { sha256 } from "../util/hash.js";
import { AUGMENT_VERSION, type AugmentSpec } from "./augment.js";

/** Which views to embed: the seed of the run and the view index. */
export interface ViewId {
  seed: number;
  index: number;
}

function viewText(kind: string, imageHash: string, view: ViewId): string {
  return `zeroclip-${kind}:v${AUGMENT_VERSION}:${imageHash.toLowerCase()}:${view.seed}:${view.index}`;
}

/**
 * The view's generator seed: the first 32 bits (big-endian) of
 * SHA-256("zeroclip-augment:v<version>:<image sha256 hex>:<seed>:<index>").
 */
export function viewSpec(imageHash: string, view: ViewId): AugmentSpec {
  return { seed: Number.parseInt(sha256(viewText("augment", imageHash, view)).slice(0, 8), 16) };
}

/** The view's key in the image-embedding cache (a SHA-256 hex, like an image's own key). */
export function viewKey(imageHash: string, view: ViewId): string {
  return sha256(viewText("view", imageHash, view));
}
