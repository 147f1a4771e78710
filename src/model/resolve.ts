import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ModelError } from "../util/errors.js";
import type { Dtype } from "./files.js";
import { fetchHubModel, type HubOptions, isRepoId } from "./hub/index.js";
import type { DownloadProgress } from "./hub/progress.js";
import type { RememberedScalars } from "./hub/scalars.js";

/** The model used when none is named. */
export const DEFAULT_MODEL = "Xenova/clip-vit-base-patch32";

/** How to find a model that is not a local directory (hub settings default to the HF_* variables). */
export interface ResolveOptions
  extends Pick<HubOptions, "endpoint" | "token" | "cacheDir" | "scalarsDir"> {
  dtype?: Dtype;
  /** Hub revision (branch, tag or commit); default "main". */
  revision?: string;
  /** Use the local cache only, never the network (also set by HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Called with download progress for large files. */
  onProgress?: (p: DownloadProgress) => void;
  /** Called with status and warning lines (e.g. the hub is unreachable, the cache is used). */
  onMessage?: (line: string) => void;
}

/** A local directory as is; anything else is treated as a hub repo id. */
export async function resolveModelDir(model: string, opts: ResolveOptions = {}): Promise<string> {
  return (await resolveModel(model, opts)).dir;
}

/**
 * As resolveModelDir, with what the hub resolution learnt of a SigLIP-family model's scale and
 * bias when the snapshot has no onnx/model.onnx (see hub/scalars.ts).
 */
export async function resolveModel(
  model: string,
  opts: ResolveOptions = {},
): Promise<{ dir: string; scalars: RememberedScalars }> {
  const local = await stat(model).catch(() => undefined);
  if (local?.isDirectory()) return { dir: resolve(model), scalars: {} };
  if (local)
    throw new ModelError(`${model} is a file; --model takes a model directory or a hub repo id`);
  if (!isRepoId(model)) {
    throw new ModelError(`model directory not found: ${model}`, "model_not_found");
  }
  // A repo id: the snapshot in the Hugging Face hub cache, downloaded if needed.
  try {
    const snap = await fetchHubModel(model, opts);
    return { dir: snap.dir, scalars: snap.scalars };
  } catch (err) {
    if (err instanceof ModelError && err.code === "model_not_found")
      throw new ModelError(`${err.message}; nor is ${model} a local directory`, "model_not_found");
    throw err;
  }
}
