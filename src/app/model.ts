/**
 * Opening the model a use case runs on, with its defaults in one place: the model named in the
 * request, else the one a store or an adapter was made with, else `DEFAULT_MODEL`; the dtype
 * given, else the store's or adapter's, else fp32. Every use case (and the server) opens its
 * model here; the CLI only turns flags into a `ModelRequest`.
 */
import { existsSync } from "node:fs";
import { ClipModel, type LoadOptions } from "../model/clip-model.js";
import { isDtype } from "../model/files.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import { UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";

/**
 * Which model a use case runs on and how: plain data (no callbacks: model download messages go
 * to the use case's `events.onMessage`). Every field is optional; the use case fills the
 * defaults.
 */
export interface ModelRequest extends Omit<LoadOptions, "onProgress" | "onMessage"> {
  /**
   * Model directory or hub repo id (default: the store's or adapter's model, else
   * `DEFAULT_MODEL`). `dtype` defaults to the store's or adapter's, else fp32.
   */
  name?: string;
}

/** A model the made-with record of a store or adapter proposes (used when the request names none). */
export interface ModelDefault {
  name: string;
  dtype: string;
}

/**
 * Load the requested model; `fallback` (a store's or adapter's) fills the name and dtype the
 * request leaves out. Download and resolution lines go to `events.onMessage`.
 */
export function openModel(
  req: ModelRequest = {},
  fallback?: ModelDefault,
  events: Pick<UseCaseEvents, "onMessage"> = {},
): Promise<ClipModel> {
  const { name, ...load } = req;
  const dtype = req.dtype ?? fallback?.dtype ?? "fp32";
  if (!isDtype(dtype)) throw new UsageError(`unknown dtype ${dtype}`);
  return ClipModel.load(name ?? fallback?.name ?? DEFAULT_MODEL, {
    ...load,
    dtype,
    device: req.device ?? "cpu",
    onMessage: events.onMessage,
  });
}

/**
 * An adapter's made-with model (`model`, `dtype` of its identity) as a default: only when its
 * directory exists here (an adapter copied from another machine falls back to the defaults, and
 * its identity check names the mismatch) and the request names no model.
 */
export function adapterModelDefault(
  req: ModelRequest,
  made: { model: string; dtype: string } | undefined,
): ModelDefault | undefined {
  if (req.name !== undefined || made === undefined || !existsSync(made.model)) return undefined;
  return { name: made.model, dtype: made.dtype };
}
