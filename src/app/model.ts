/**
 * Opening the model a use case runs on, with its defaults in one place: the model named in the
 * request, else the one a store or an adapter was made with, else `DEFAULT_MODEL`; the dtype
 * given, else the store's or adapter's, else fp32. Use cases open and close models here; the
 * CLI only turns flags into a `ModelRequest`.
 */
import { existsSync } from "node:fs";
import { ClipModel, type LoadOptions } from "../model/clip-model.js";
import { type Dtype, isDtype } from "../model/files.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import type { Device } from "../model/session.js";
import { UsageError } from "../util/errors.js";

/** Which model to run and how (every field optional: the use case fills the defaults). */
export interface ModelRequest {
  /** Model directory or hub repo id (default: the store's or adapter's model, else `DEFAULT_MODEL`). */
  model?: string;
  /** Precision (default: the store's or adapter's dtype, else fp32). */
  dtype?: Dtype;
  /** onnxruntime intra-op threads (default all cores). */
  threads?: number;
  /** Worker threads that read, decode and resize images (default one per core, at most 4). */
  preprocessWorkers?: number;
  device?: Device;
  logitScale?: number;
  logitBias?: number;
  /** Hub revision: branch, tag or commit. */
  revision?: string;
  /** Use the local hub cache only. */
  offline?: boolean;
}

/** A model the made-with record of a store or adapter proposes (used when the request names none). */
export interface ModelDefault {
  model: string;
  dtype: string;
}

/** Load the requested model; `fallback` (a store's or adapter's) fills what the request leaves out. */
export function openModel(
  req: ModelRequest = {},
  fallback?: ModelDefault,
  onMessage?: (line: string) => void,
): Promise<ClipModel> {
  const dtype = req.dtype ?? fallback?.dtype ?? "fp32";
  if (!isDtype(dtype)) throw new UsageError(`unknown dtype ${dtype}`);
  const opts: LoadOptions = {
    dtype,
    threads: req.threads,
    preprocessWorkers: req.preprocessWorkers,
    device: req.device ?? "cpu",
    logitScale: req.logitScale,
    logitBias: req.logitBias,
    revision: req.revision,
    offline: req.offline,
    onMessage,
  };
  return ClipModel.load(req.model ?? fallback?.model ?? DEFAULT_MODEL, opts);
}

/**
 * An adapter's made-with model as a default: only when its directory exists here (an adapter
 * copied from another machine falls back to the defaults, and its identity check names the
 * mismatch) and the request names no model.
 */
export function adapterModelDefault(
  req: ModelRequest,
  made: ModelDefault | undefined,
): ModelDefault | undefined {
  if (req.model !== undefined || made === undefined || !existsSync(made.model)) return undefined;
  return made;
}

/**
 * Which model to load and how. `name`: a model directory or hub repo id; `dtype`: its
 * precision. Left out, both are the store's (for a use case with a store that has a model), else
 * `DEFAULT_MODEL` and fp32.
 */
export interface ModelChoice extends LoadOptions {
  name?: string;
}

/** Load the chosen model (`DEFAULT_MODEL`, fp32 unless chosen otherwise). */
export function loadChosenModel(choice: ModelChoice = {}): Promise<ClipModel> {
  const { name, ...opts } = choice;
  return ClipModel.load(name ?? DEFAULT_MODEL, { ...opts, dtype: opts.dtype ?? "fp32" });
}
