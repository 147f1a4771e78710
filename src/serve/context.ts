/**
 * What every route and feature plugin shares: the model, the image batcher, the classifier
 * source, metrics, settings. Routes stay thin: they parse, call these, and shape the answer.
 */
import type { ClassifierCache } from "../classify/classifier-cache.js";
import type { ImageSettings } from "../image/settings.js";
import type { ClipModel } from "../model/clip-model.js";
import type { ImageBatcher } from "../model/image-batcher.js";
import type { ClassifierSource } from "./classifier-source.js";
import type { ServeMetrics } from "./metrics.js";
import type { LlmSettings, ServeSettings } from "./settings.js";

export interface ServeContext {
  readonly model: ClipModel;
  readonly settings: ServeSettings;
  /** How request images become pixels, resolved once from the settings (the batcher decodes with it). */
  readonly image: ImageSettings;
  readonly batcher: ImageBatcher;
  readonly classifiers: ClassifierSource;
  readonly classifierCache: ClassifierCache;
  readonly metrics: ServeMetrics;
  readonly llm: LlmSettings | undefined;
  readonly presets: {
    classnames: Readonly<Record<string, readonly string[]>>;
    templates: Readonly<Record<string, readonly string[]>>;
  };
  /** Feature names reported by `GET /v1/config` (e.g. "describe", "search"). */
  readonly features: Set<string>;
  /** True once both towers are loaded and have run once (`GET /ready`). */
  ready: boolean;
}
