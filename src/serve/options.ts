/** What `buildServer` takes, and the limits it applies when an option is left out. */
import type { FastifyPluginAsync } from "fastify";
import type { ClipModel } from "../model/clip-model.js";
import type { ClassifierSource } from "./classifier-source.js";
import type { ServeContext } from "./context.js";
import type { LlmSettings, ServeSettings } from "./settings.js";

export const SERVE_DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  /** Request body cap in bytes (JSON and multipart alike). */
  bodyLimit: 20 * 1024 * 1024,
  /** Per-image pixel cap, judged from the header before decoding. */
  maxPixels: 50_000_000,
  /** Images in one request. */
  maxImagesPerRequest: 64,
  /** Texts in one embeddings request (OpenAI's own cap). */
  maxTextsPerRequest: 2048,
  /** Labels in one request. */
  maxLabels: 2000,
  /** A request's whole time, body upload included, in ms. */
  requestTimeoutMs: 60_000,
  /** Download cap for URL inputs, in ms (never more than the request timeout). */
  urlTimeoutMs: 30_000,
  /** Classifiers (class-embedding sets) kept in memory. */
  classifierCacheSize: 64,
} as const;

/** A feature plugin added to the server (e.g. search over a store). */
export interface ServePlugin {
  /** Shown in `GET /v1/config` under `features` (the page shows its part when present). */
  feature: string;
  /** Registers the plugin's routes; it gets the server's shared context. */
  plugin: FastifyPluginAsync<{ ctx: ServeContext }>;
}

/** Where JSON log lines go (pino): anything with `write(line)`. */
export interface LogDestination {
  write(line: string): unknown;
}

export interface ServeOptions {
  /** The loaded model; the server does not dispose it. */
  model: ClipModel;
  /** The model's name in responses (`model` of embeddings, `/v1/config`); default its directory. */
  modelName?: string;
  /** Images per encoder call (default 16). */
  batchSize?: number;
  /** How long a partial batch waits for more images, in ms (default 5). */
  batchWaitMs?: number;
  /** Images admitted and not yet answered, over all requests (default 256); beyond → 503. */
  maxQueue?: number;
  maxPixels?: number;
  /** Apply EXIF orientation (default true). */
  exifOrientation?: boolean;
  bodyLimit?: number;
  maxImagesPerRequest?: number;
  requestTimeoutMs?: number;
  /** Accept http(s) URL images (default true). */
  allowUrlInputs?: boolean;
  /** Bearer key every route but the open ones needs; undefined = no key. */
  apiKey?: string;
  /** Origins allowed by CORS; empty or undefined = CORS off. */
  corsOrigins?: readonly string[];
  classifierCacheSize?: number;
  /** On-disk caches (class embeddings, LLM answers): true = default dirs (default), false = none. */
  diskCache?: boolean;
  /** Enables `POST /v1/describe`. */
  llm?: LlmSettings;
  /** Named class lists and template sets the page offers (e.g. CLIP_benchmark's files). */
  presets?: {
    classnames?: Readonly<Record<string, readonly string[]>>;
    templates?: Readonly<Record<string, readonly string[]>>;
  };
  /** How classify requests get their classifier (default: zero-shot from the request's labels). */
  classifiers?: ClassifierSource;
  /** Feature plugins registered after the built-in routes. */
  plugins?: readonly ServePlugin[];
  /** JSON logs: false = none, else pino at `level` (default info) to `destination` (default stderr). */
  logger?: false | { level?: string; destination?: LogDestination };
}

/** The options with every default filled in. */
export function resolveSettings(o: ServeOptions): ServeSettings {
  const requestTimeoutMs = o.requestTimeoutMs ?? SERVE_DEFAULTS.requestTimeoutMs;
  return {
    modelName: o.modelName ?? o.model.dir,
    bodyLimit: o.bodyLimit ?? SERVE_DEFAULTS.bodyLimit,
    maxPixels: o.maxPixels ?? SERVE_DEFAULTS.maxPixels,
    exifOrientation: o.exifOrientation ?? true,
    maxImagesPerRequest: o.maxImagesPerRequest ?? SERVE_DEFAULTS.maxImagesPerRequest,
    maxTextsPerRequest: SERVE_DEFAULTS.maxTextsPerRequest,
    maxLabels: SERVE_DEFAULTS.maxLabels,
    requestTimeoutMs,
    urlTimeoutMs: Math.min(SERVE_DEFAULTS.urlTimeoutMs, requestTimeoutMs),
    allowUrlInputs: o.allowUrlInputs ?? true,
    corsOrigins: [...(o.corsOrigins ?? [])],
    classifierCacheSize: o.classifierCacheSize ?? SERVE_DEFAULTS.classifierCacheSize,
    diskCache: o.diskCache ?? true,
  };
}
