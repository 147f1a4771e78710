/** What `buildServer` takes, and the limits it applies when an option is left out. */
import type { FastifyPluginAsync } from "fastify";
import type { ClipModel } from "../model/clip-model.js";
import type { ClassifierSource } from "./classifier-source.js";
import type { ServeContext } from "./context.js";
import type { LlmSettings, RequestLimits, ServeSettings } from "./settings.js";

export type { RequestLimits } from "./settings.js";

export const SERVE_DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  /** Request body cap in bytes (JSON and multipart alike). */
  bodyLimit: 20 * 1024 * 1024,
  /**
   * Per-image pixel cap, judged from the header before decoding (a 24 MP 6000 × 4000 photo
   * passes). Decoding costs about 16 bytes a pixel at its peak, so this bounds memory too.
   */
  maxPixels: 25_000_000,
  /** Images in one request. */
  maxImagesPerRequest: 64,
  /** Texts in one embeddings request (OpenAI's own cap). */
  maxTextsPerRequest: 2048,
  /** Labels in one request. */
  maxLabels: 2000,
  /** Templates in one request. */
  maxTemplates: 100,
  /** Descriptions of one label in one request. */
  maxDescriptionsPerLabel: 100,
  /** Texts a request's classes are built from (labels × their templates/descriptions). */
  maxPromptTexts: 20_000,
  /** Characters of any one text: a label, template, description, embeddings or search text. */
  maxTextLength: 1000,
  /** Pixels (by image header) of one request's images together, checked before decoding. */
  maxRequestPixels: 100_000_000,
  /** Pixels (by header) being decoded at once over all requests: bounds the server's memory. */
  maxDecodingPixels: 32_000_000,
  /** URL downloads in flight per request. */
  urlDownloadsPerRequest: 4,
  /** Redirects a URL download follows. */
  maxRedirects: 3,
  /** Header and keep-alive idle timeout, in ms. */
  idleTimeoutMs: 60_000,
  /** Open connections at once; beyond, new ones are closed at once. */
  maxConnections: 256,
  /** Bytes of class embeddings (and their texts) kept in memory. */
  classifierCacheBytes: 256 * 1024 * 1024,
  /** `/v1/describe`: labels × questions × n samples in one request. */
  maxDescribeSamples: 2000,
  /** `/v1/describe`: the largest max_tokens a request may ask for. */
  maxDescribeTokens: 100,
  /** `/v1/describe`: requests per minute per client (0 = no limit). */
  describePerMinute: 10,
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
  /**
   * Fetch URL images from loopback, private and link-local addresses too (default false: the
   * server refuses them, so callers cannot reach its own network).
   */
  allowPrivateUrls?: boolean;
  /** The per-request work budget (defaults in `SERVE_DEFAULTS`). */
  limits?: Partial<RequestLimits>;
  /** `/v1/describe` may take the caller's own questions (default false: named sets only). */
  describeCustomQuestions?: boolean;
  /**
   * Requests per minute per client (by address) for route patterns, e.g.
   * `{"/v1/classify": 120}`; `/v1/describe` defaults to `describePerMinute`. 0 = no limit.
   */
  rateLimits?: Readonly<Record<string, number>>;
  /** Open connections at once (default 256). */
  maxConnections?: number;
  /**
   * Host names a keyless server answers to besides IP addresses and localhost (DNS-rebinding
   * defence; see origin.ts), e.g. the name it is reached by on the LAN.
   */
  allowedHosts?: readonly string[];
  /** Bearer key every route but the open ones needs; undefined = no key. */
  apiKey?: string;
  /** Origins allowed by CORS; empty or undefined = CORS off. */
  corsOrigins?: readonly string[];
  classifierCacheSize?: number;
  /** Bytes of class embeddings kept in memory (default 256 MiB). */
  classifierCacheBytes?: number;
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
    ...limits(o.limits ?? {}),
    requestTimeoutMs,
    urlTimeoutMs: Math.min(SERVE_DEFAULTS.urlTimeoutMs, requestTimeoutMs),
    allowUrlInputs: o.allowUrlInputs ?? true,
    allowPrivateUrls: o.allowPrivateUrls ?? false,
    describeCustomQuestions: o.describeCustomQuestions ?? false,
    rateLimits: {
      "/v1/describe": SERVE_DEFAULTS.describePerMinute,
      ...o.rateLimits,
    } as Readonly<Record<string, number>>,
    maxConnections: o.maxConnections ?? SERVE_DEFAULTS.maxConnections,
    allowedHosts: [...(o.allowedHosts ?? [])],
    idleTimeoutMs: Math.min(SERVE_DEFAULTS.idleTimeoutMs, requestTimeoutMs),
    classifierCacheBytes: o.classifierCacheBytes ?? SERVE_DEFAULTS.classifierCacheBytes,
    corsOrigins: [...(o.corsOrigins ?? [])],
    classifierCacheSize: o.classifierCacheSize ?? SERVE_DEFAULTS.classifierCacheSize,
    diskCache: o.diskCache ?? true,
  };
}

function limits(l: Partial<RequestLimits>): RequestLimits {
  const d = SERVE_DEFAULTS;
  return {
    maxLabels: l.maxLabels ?? d.maxLabels,
    maxTemplates: l.maxTemplates ?? d.maxTemplates,
    maxDescriptionsPerLabel: l.maxDescriptionsPerLabel ?? d.maxDescriptionsPerLabel,
    maxPromptTexts: l.maxPromptTexts ?? d.maxPromptTexts,
    maxTextLength: l.maxTextLength ?? d.maxTextLength,
    maxRequestPixels: l.maxRequestPixels ?? d.maxRequestPixels,
    maxDescribeSamples: l.maxDescribeSamples ?? d.maxDescribeSamples,
    maxDescribeTokens: l.maxDescribeTokens ?? d.maxDescribeTokens,
  };
}
