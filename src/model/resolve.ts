import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ModelError } from "../util/errors.js";
import type { Dtype } from "./files.js";

/** The model used when none is named. */
export const DEFAULT_MODEL = "Xenova/clip-vit-base-patch32";

/** How to find a model that is not a local directory. */
export interface ResolveOptions {
  dtype?: Dtype;
  /** Hub revision (branch, tag or commit); default "main". */
  revision?: string;
  /** Use the local cache only, never the network (also set by HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Called with download progress for large files. */
  onProgress?: (p: DownloadProgress) => void;
}

export interface DownloadProgress {
  file: string;
  loaded: number;
  total: number | undefined;
}

/** A local directory as is; anything else is treated as a hub repo id. */
export async function resolveModelDir(model: string, opts: ResolveOptions = {}): Promise<string> {
  const local = await stat(model).catch(() => undefined);
  if (local?.isDirectory()) return resolve(model);
  if (local)
    throw new ModelError(`${model} is a file; --model takes a model directory or a hub repo id`);
  if (!/^[\w.-]+\/[\w.-]+$/.test(model)) {
    throw new ModelError(`model directory not found: ${model}`);
  }
  // Hub download is not wired yet: a repo id must already be a local directory.
  void opts;
  throw new ModelError(`model directory not found: ${model}`);
}
