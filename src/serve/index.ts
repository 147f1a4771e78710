/** `zeroclip serve`: the HTTP API and web page (fastify). */

export { adapterSource } from "./adapter-source.js";
export { bearerMatches, isOpenRoute } from "./auth.js";
export {
  type ClassifierSource,
  type ClassifyParams,
  type ImageScorer,
  zeroShotSource,
} from "./classifier-source.js";
export type { ServeContext } from "./context.js";
export { ApiError, type ErrorBody } from "./errors.js";
export { embedRequestImages, type ImageOutcome } from "./images.js";
export { type ListenOptions, type RunningServer, serveUntilSignal } from "./lifecycle.js";
export {
  type LogDestination,
  type RequestLimits,
  SERVE_DEFAULTS,
  type ServeOptions,
  type ServePlugin,
} from "./options.js";
export { MAX_SEARCH_K, searchPlugin } from "./routes/search.js";
export { buildServer } from "./server.js";
export type { LlmSettings } from "./settings.js";
// The serve command as a library call (issue 21, api3): policy and opening, then listening
export {
  LOG_LEVELS,
  type OpenedServer,
  openServer,
  type ServeRequest,
  serve,
} from "./start.js";
