/**
 * The HTTP server as a fastify app, built without listening (`app.inject` tests it without a
 * port): one plugin per concern (docs, auth, deadlines, metrics, health, config, classify,
 * embeddings, describe, the web page), plus feature plugins handed in by the caller.
 */
import cors from "@fastify/cors";
import Fastify, { type FastifyInstance } from "fastify";
import { ClassifierCache } from "../classify/classifier-cache.js";
import { fetchUrlImage } from "../image/fetch-url.js";
import { headerPixelCount } from "../image/measure.js";
import { resolveImageSettings } from "../image/settings.js";
import { installAuth } from "./auth.js";
import { zeroShotSource } from "./classifier-source.js";
import { trackConnections } from "./connections.js";
import type { ServeContext } from "./context.js";
import { installDeadlines } from "./deadline.js";
import { ERROR_SCHEMA, installErrorHandlers, schemaLimit } from "./errors.js";
import { loggerOptions } from "./logging.js";
import { ServeMetrics } from "./metrics.js";
import { resolveSettings, SERVE_DEFAULTS, type ServeOptions } from "./options.js";
import { installOriginChecks } from "./origin.js";
import { pageRoutes } from "./page/plugin.js";
import { installRateLimits } from "./rate-limit.js";
import { classifyRoutes } from "./routes/classify.js";
import { configRoutes } from "./routes/config.js";
import { describeRoutes } from "./routes/describe.js";
import { installDocs } from "./routes/docs.js";
import { embeddingsRoutes } from "./routes/embeddings.js";
import { healthRoutes } from "./routes/health.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The server's shared state (model, batcher, metrics, settings). */
    zeroclip: ServeContext;
    /** Load both towers and run each once; `GET /ready` answers 200 afterwards. */
    warmUp(): Promise<void>;
  }
}

/**
 * Drop ajv's "must match then/else schema" lines: the branch's own errors say what is wrong. A
 * list or text over a limit of the work budget is marked with that limit (→ 413).
 */
function formatSchemaErrors(
  errors: { keyword: string; instancePath: string; message?: string }[],
  dataVar: string,
): Error {
  const useful = errors.filter((e) => e.keyword !== "if");
  const shown = useful.length > 0 ? useful : errors;
  const text = shown
    .map((e) => `${dataVar}${e.instancePath} ${e.message ?? "is invalid"}`)
    .join(", ");
  const limit = shown.map(schemaLimit).find((l) => l !== undefined);
  return Object.assign(new Error(text), limit ? { limit } : {});
}

/** Build the server (not listening). Call `app.warmUp()` to load the towers, `app.close()` to stop. */
export async function buildServer(options: ServeOptions): Promise<FastifyInstance> {
  const settings = resolveSettings(options);
  const app = Fastify({
    logger: loggerOptions(options),
    bodyLimit: settings.bodyLimit,
    // The whole request, upload included; slower clients get 408. Headers must arrive and idle
    // keep-alive connections end within the idle timeout; the timeouts are checked every second
    // (Node checks every 30 s by default, so 60 s could become 90).
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.idleTimeoutMs,
    connectionTimeout: settings.requestTimeoutMs + 5000,
    http: { headersTimeout: settings.idleTimeoutMs, connectionsCheckingInterval: 1000 },
    return503OnClosing: true,
    forceCloseConnections: "idle",
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    schemaErrorFormatter: formatSchemaErrors,
  });
  // JSON and (for classify) multipart only; anything else is a 415.
  app.removeContentTypeParser("text/plain");
  // fastify's own JSON parser (prototype poisoning refused), but a large body waits for the
  // event loop's next turn first: bodies that finish arriving together are then parsed one per
  // turn, with other requests (/health) served in between, not all in one go.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (text.length > 256 * 1024) setImmediate(() => parseJson(request, text, done));
    else parseJson(request, text, done);
  });

  const model = options.model;
  app.server.maxConnections = settings.maxConnections;
  const classifierCache = new ClassifierCache(model, {
    maxEntries: settings.classifierCacheSize,
    maxBytes: settings.classifierCacheBytes,
    diskCache: settings.diskCache,
    onWarning: (m) => app.log.warn({ warning: m }, "classifier"),
  });
  let metrics: ServeMetrics | undefined;
  const image = resolveImageSettings({
    exifOrientation: settings.exifOrientation,
    maxPixels: settings.maxPixels,
    timeoutMs: settings.urlTimeoutMs,
    maxBytes: settings.bodyLimit,
  });
  const batcher = model.imageBatcher({
    batchSize: options.batchSize,
    waitMs: options.batchWaitMs,
    maxQueue: options.maxQueue,
    decode: { maxPixels: image.maxPixels, exifOrientation: image.exifOrientation },
    fetch: image.fetch,
    // URLs are downloaded here, outside the decode workers, through the SSRF guard.
    download: (url, signal) =>
      fetchUrlImage(url, {
        ...image.fetch,
        maxRedirects: SERVE_DEFAULTS.maxRedirects,
        allowPrivate: settings.allowPrivateUrls,
        signal,
      }),
    downloadsPerCall: SERVE_DEFAULTS.urlDownloadsPerRequest,
    maxPixelsPerCall: settings.maxRequestPixels,
    measurePixels: headerPixelCount,
    maxDecodingPixels: SERVE_DEFAULTS.maxDecodingPixels,
    onBatch: (size, seconds) => metrics?.onBatch(size, seconds),
  });
  metrics = new ServeMetrics({
    queueDepth: () => batcher.depth,
    classifierCache: () => ({ size: classifierCache.size, ...classifierCache.stats }),
  });
  const ctx: ServeContext = {
    model,
    settings,
    image,
    batcher,
    classifiers: options.classifiers ?? zeroShotSource(classifierCache),
    classifierCache,
    metrics,
    llm: options.llm,
    presets: {
      classnames: options.presets?.classnames ?? {},
      templates: options.presets?.templates ?? {},
    },
    features: new Set(options.llm ? ["describe"] : []),
    ready: false,
  };
  app.decorate("zeroclip", ctx);
  app.decorate("warmUp", async () => {
    await model.embedTexts(["a photo of a cat."]);
    const { cropHeight: h, cropWidth: w } = model.preprocess;
    await model.embedPixels(new Float32Array(3 * h * w), 1);
    ctx.ready = true;
  });
  // Closing: answers to the requests still in flight end their connections, and connections
  // with no request being answered (idle keep-alive, preconnected or silent sockets, slow
  // headers) are ended, so the server's close (which waits for every connection) waits only
  // for the requests in flight.
  let closing = false;
  const connections = trackConnections(app.server);
  app.addHook("preClose", async () => {
    closing = true;
    connections.closeUnused();
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
  app.addHook("onClose", async () => {
    await batcher.close();
  });

  installErrorHandlers(app);
  app.addSchema(ERROR_SCHEMA);
  await installDocs(app, options.apiKey !== undefined);
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, { origin: settings.corsOrigins, maxAge: 600 });
  }
  if (options.apiKey === undefined) installOriginChecks(app, settings);
  installAuth(app, options.apiKey);
  installRateLimits(app, settings.rateLimits);
  installDeadlines(app, settings.requestTimeoutMs);
  metrics.install(app);
  const withCtx = { ctx };
  await app.register(healthRoutes, withCtx);
  await app.register(configRoutes, withCtx);
  await app.register(classifyRoutes, withCtx);
  await app.register(embeddingsRoutes, withCtx);
  await app.register(describeRoutes, withCtx);
  await app.register(pageRoutes, withCtx);
  for (const p of options.plugins ?? []) {
    ctx.features.add(p.feature);
    await app.register(p.plugin, withCtx);
  }
  return app;
}
