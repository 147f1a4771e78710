/**
 * The server's settings once every default is filled in (`resolveSettings` in options.ts makes
 * them), and the LLM settings of `POST /v1/describe`. Kept apart from `ServeOptions` so that the
 * shared context (context.ts) does not import the options, which name the context's plugins.
 */

/** The language model behind `POST /v1/describe`. */
export interface LlmSettings {
  /** The LLM, e.g. gpt-4o-mini or llama3.1:8b. */
  model: string;
  /** OpenAI-compatible endpoint (default $OPENAI_BASE_URL, else OpenAI). */
  baseURL?: string;
  /** API key (default $OPENAI_API_KEY). Never logged. */
  apiKey?: string;
}

/** The options with every default filled in (see `ServeOptions` for each one's meaning). */
/** The per-request work budget, checked before any encoding (violations answer 413). */
export interface RequestLimits {
  maxLabels: number;
  maxTemplates: number;
  maxDescriptionsPerLabel: number;
  maxPromptTexts: number;
  maxTextLength: number;
  maxRequestPixels: number;
  maxDescribeSamples: number;
  maxDescribeTokens: number;
}

export interface ServeSettings extends RequestLimits {
  modelName: string;
  bodyLimit: number;
  maxPixels: number;
  exifOrientation: boolean;
  maxImagesPerRequest: number;
  maxTextsPerRequest: number;
  maxLabels: number;
  requestTimeoutMs: number;
  urlTimeoutMs: number;
  allowUrlInputs: boolean;
  allowPrivateUrls: boolean;
  describeCustomQuestions: boolean;
  /** Requests per minute per client, by route path. */
  rateLimits: Readonly<Record<string, number>>;
  maxConnections: number;
  allowedHosts: string[];
  idleTimeoutMs: number;
  classifierCacheBytes: number;
  corsOrigins: string[];
  classifierCacheSize: number;
  diskCache: boolean;
}
