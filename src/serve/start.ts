/**
 * `zeroclip serve` as a library call: `openServer` opens what the server runs on and builds it
 * (testable without a port), `serve` also listens until a signal. Every policy of the command
 * lives here: the model is the request's, else the store's (`store`: search, and another model
 * is a `ModelError`), else the adapter's (`adapter`: its classes are the labels), else the
 * default; the listening host is an allowed Host name; a server listening beyond this machine
 * without an API key is warned about; in-flight requests get the request timeout plus 5 s after
 * a signal. The CLI turns flags into a `ServeRequest` (units converted) and calls `serve`.
 */
import type { FastifyInstance } from "fastify";
import { readAdapterFile } from "../adapt/adapter-file.js";
import { FewShotClassifier } from "../adapt/classifier.js";
import type { UseCaseEvents } from "../app/events.js";
import { adapterModelDefault, type ModelRequest, openModel } from "../app/model.js";
import { openStoreModel, type StoreModel } from "../app/store-model.js";
import { checkBaseURL } from "../prompts/describe-options.js";
import { UsageError } from "../util/errors.js";
import { adapterSource } from "./adapter-source.js";
import { serveUntilSignal } from "./lifecycle.js";
import { SERVE_DEFAULTS, type ServeOptions, type ServePlugin } from "./options.js";
import { readPresetFile } from "./presets.js";
import { searchPlugin } from "./routes/search.js";
import { buildServer } from "./server.js";

/** The log levels `logLevel` may name (pino's, and "silent"). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** One server to start (plain data: `ServeOptions` without the loaded parts, plus where they come from). */
export interface ServeRequest
  extends Omit<
    ServeOptions,
    "model" | "modelName" | "presets" | "classifiers" | "plugins" | "logger"
  > {
  /** Default: the store's model, else the adapter's, else `DEFAULT_MODEL`. */
  model?: ModelRequest;
  /** Enable `POST /v1/search` over this store (from `indexInputs`). */
  store?: string;
  /** Classify with this few-shot adapter file: its classes are the labels. */
  adapter?: string;
  /** Class lists and template sets the page offers (see `readPresetFile`). */
  labelsFile?: string;
  templatesFile?: string;
  /** Where to listen (defaults `SERVE_DEFAULTS.host`, `.port`); the host is an allowed Host. */
  host?: string;
  port?: number;
  /** JSON log level on stderr (default info; see `LOG_LEVELS`). */
  logLevel?: string;
}

/** A built server and what it runs on. */
export interface OpenedServer {
  app: FastifyInstance;
  /** Dispose of the model and close the store (after the app is closed). */
  close(): Promise<void>;
}

/** Open the model, store, adapter and presets of `req` and build the server (not listening). */
export async function openServer(
  req: ServeRequest,
  events: Pick<UseCaseEvents, "onMessage"> = {},
): Promise<OpenedServer> {
  const logLevel = req.logLevel ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  if (req.llm?.baseURL) checkBaseURL(req.llm.baseURL);
  const presets = {
    classnames: req.labelsFile ? await readPresetFile(req.labelsFile, "labels file") : undefined,
    templates: req.templatesFile
      ? await readPresetFile(req.templatesFile, "templates file")
      : undefined,
  };
  const adapterFile = req.adapter ? await readAdapterFile(req.adapter) : undefined;
  const model = req.model ?? {};
  // With a store the model defaults to the store's, and another model is refused (exit 3).
  const stored: StoreModel | undefined = req.store
    ? await openStoreModel(req.store, model, { readonly: true }, events)
    : undefined;
  // With an adapter (and no store), the model defaults to the one the adapter was made with.
  const loaded =
    stored?.model ??
    (await openModel(model, adapterFile && adapterModelDefault(model, adapterFile.model), events));
  const close = () => (stored ? stored.close() : loaded.dispose());
  try {
    const classifiers = adapterFile
      ? adapterSource(
          await FewShotClassifier.fromAdapter(loaded, adapterFile, {
            name: `the adapter ${req.adapter}`,
          }),
        )
      : undefined;
    const plugins: ServePlugin[] = stored ? [searchPlugin(stored.store)] : [];
    const {
      model: _m,
      store: _s,
      adapter: _a,
      labelsFile: _l,
      templatesFile: _t,
      host: _h,
      port: _p,
      logLevel: _g,
      ...options
    } = req;
    const host = req.host ?? SERVE_DEFAULTS.host;
    const app = await buildServer({
      ...options,
      model: loaded,
      modelName: model.name ?? stored?.name,
      allowedHosts: [...(req.allowedHosts ?? []), host],
      presets,
      classifiers,
      plugins,
      logger: { level: logLevel },
    });
    if (!req.apiKey && !/^(127\.|localhost$|::1$|\[::1\]$)/.test(host)) {
      app.log.warn(
        { host },
        "listening beyond this machine without an API key: anyone who can reach it can use it (--api-key-env)",
      );
    }
    return { app, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Start the server of `req` and serve until SIGTERM or SIGINT; resolves with the exit code
 * (0 after a clean drain, 1 when requests in flight were cut) once everything is closed.
 */
export async function serve(
  req: ServeRequest,
  events: Pick<UseCaseEvents, "onMessage"> = {},
): Promise<number> {
  const { app, close } = await openServer(req, events);
  try {
    const running = await serveUntilSignal(app, {
      host: req.host ?? SERVE_DEFAULTS.host,
      port: req.port ?? SERVE_DEFAULTS.port,
      graceMs: (req.requestTimeoutMs ?? SERVE_DEFAULTS.requestTimeoutMs) + 5000,
    });
    return await running.closed;
  } finally {
    await close();
  }
}
