import { Command, Option } from "commander";
import { IMAGE_BATCHER_DEFAULTS } from "../model/image-batcher.js";
import { SERVE_DEFAULTS } from "../serve/options.js";
import { LOG_LEVELS, serve } from "../serve/start.js";
import { UsageError } from "../util/errors.js";
import {
  addModelOptions,
  addScoringOptions,
  collect,
  type ModelFlags,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
} from "./common.js";
import { setExitCode } from "./exit.js";
import { labelsFileFlag } from "./labels-file.js";
import { modelRequest, printMessage } from "./model-choice.js";

interface ServeFlags extends ModelFlags {
  host: string;
  port: number;
  apiKeyEnv?: string;
  cors?: string[];
  urlInputs: boolean;
  batchSize: number;
  batchWaitMs: number;
  maxQueue: number;
  maxImages: number;
  maxPixels: number;
  exifOrientation: boolean;
  bodyLimit: number;
  requestTimeout: number;
  classCache: number;
  cache: boolean;
  llmModel?: string;
  llmBaseUrl?: string;
  labelsFile?: string;
  /** Old name of --labels-file (kept for one release). */
  classnamesFile?: string;
  templatesFile?: string;
  logLevel: string;
  store?: string;
  adapter?: string;
  allowPrivateUrls?: boolean;
  allowedHost?: string[];
  maxLabels: number;
  maxTemplates: number;
  maxDescriptions: number;
  maxPromptTexts: number;
  maxTextLength: number;
  maxRequestPixels: number;
  maxConnections: number;
  classCacheMb: number;
  describeCustomQuestions?: boolean;
  maxDescribeSamples: number;
  maxDescribeTokens: number;
  describePerMinute: number;
  rateLimit?: string[];
}

/** `--rate-limit /v1/classify=120` → ["/v1/classify", 120]. */
function parseRateLimit(spec: string): [string, number] {
  const m = /^(\/[^=\s]*)=(\d+)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--rate-limit ${spec}: expected ROUTE=N, e.g. /v1/classify=120`);
  return [m[1], Number(m[2])];
}

/** The per-request limit flags: flag, help, the `SERVE_DEFAULTS` key of its default. */
const LIMIT_FLAGS: readonly [string, string, keyof typeof SERVE_DEFAULTS][] = [
  ["--max-images", "most images in one request", "maxImagesPerRequest"],
  ["--max-pixels", "refuse images with more pixels than this (422 or an error entry)", "maxPixels"],
  ["--max-labels", "most labels in one request (413 beyond)", "maxLabels"],
  ["--max-templates", "most templates (or describe questions) in one request", "maxTemplates"],
  [
    "--max-descriptions",
    "most descriptions of one label in one request",
    "maxDescriptionsPerLabel",
  ],
  [
    "--max-prompt-texts",
    "most texts one request's classes are built from (labels × templates and descriptions)",
    "maxPromptTexts",
  ],
  [
    "--max-text-length",
    "most characters of one label, template, description or text input",
    "maxTextLength",
  ],
  [
    "--max-request-pixels",
    "most pixels of one request's images together (by header, before decoding)",
    "maxRequestPixels",
  ],
  ["--max-connections", "most open connections at once", "maxConnections"],
];

export function serveCommand(): Command {
  const cmd = new Command("serve")
    .description("HTTP API and web page: the model stays loaded, concurrent requests are batched")
    .option("--host <host>", "address to listen on", SERVE_DEFAULTS.host)
    .option(
      "--port <port>",
      "port (0 = any free port)",
      nonNegativeInt("--port"),
      SERVE_DEFAULTS.port,
    )
    .option(
      "--api-key-env <NAME>",
      "require Authorization: Bearer <key> on every route but /health, the page and the API docs; the key is read from $NAME",
    )
    .option("--cors <origin>", "allow this origin (repeatable; CORS is off without it)", collect)
    .option("--no-url-inputs", "refuse http(s) URL images (the server would fetch them)")
    .option(
      "--allow-private-urls",
      "also fetch URL images from loopback, private and link-local addresses (a LAN image server); off by default so callers cannot reach the server's own network",
    )
    .option(
      "--allowed-host <name>",
      "a Host name a keyless server answers to besides IP addresses and localhost (repeatable)",
      collect,
    )
    .option(
      "--batch-size <n>",
      "most images per encoder call",
      positiveInt("--batch-size"),
      IMAGE_BATCHER_DEFAULTS.batchSize,
    )
    .option(
      "--batch-wait-ms <ms>",
      "how long a partial batch waits for more images",
      nonNegativeInt("--batch-wait-ms"),
      IMAGE_BATCHER_DEFAULTS.waitMs,
    )
    .option(
      "--max-queue <n>",
      "most images waiting over all requests (beyond: 503 with Retry-After)",
      positiveInt("--max-queue"),
      IMAGE_BATCHER_DEFAULTS.maxQueue,
    );
  // The per-request limits: `--max-… <n>`, a positive integer, default from SERVE_DEFAULTS.
  for (const [flag, help, key] of LIMIT_FLAGS) {
    cmd.option(`${flag} <n>`, help, positiveInt(flag), SERVE_DEFAULTS[key]);
  }
  cmd
    .option("--no-exif-orientation", "ignore EXIF orientation (strict Hugging Face behaviour)")
    .option(
      "--body-limit <MB>",
      "request body cap in megabytes (413 beyond)",
      positiveNumber("--body-limit"),
      SERVE_DEFAULTS.bodyLimit / (1024 * 1024),
    )
    .option(
      "--request-timeout <seconds>",
      "a request's whole time, upload included (504 beyond)",
      positiveNumber("--request-timeout"),
      SERVE_DEFAULTS.requestTimeoutMs / 1000,
    )
    .option(
      "--class-cache <n>",
      "class-embedding sets kept in memory",
      positiveInt("--class-cache"),
      SERVE_DEFAULTS.classifierCacheSize,
    )
    .option(
      "--class-cache-mb <MB>",
      "megabytes of class embeddings kept in memory",
      positiveNumber("--class-cache-mb"),
      SERVE_DEFAULTS.classifierCacheBytes / (1024 * 1024),
    )
    .option("--no-cache", "no on-disk caches (class embeddings, LLM answers)")
    .option(
      "--llm-model <name>",
      "enable POST /v1/describe with this LLM (key from $OPENAI_API_KEY)",
    )
    .option("--llm-base-url <url>", "OpenAI-compatible endpoint for --llm-model")
    .option(
      "--describe-custom-questions",
      "let /v1/describe callers send their own questions (off: named question sets only)",
    )
    .option(
      "--max-describe-samples <n>",
      "most labels × questions × n in one /v1/describe request",
      positiveInt("--max-describe-samples"),
      SERVE_DEFAULTS.maxDescribeSamples,
    )
    .option(
      "--max-describe-tokens <n>",
      "largest max_tokens a /v1/describe request may ask for",
      positiveInt("--max-describe-tokens"),
      SERVE_DEFAULTS.maxDescribeTokens,
    )
    .option(
      "--describe-per-minute <n>",
      "/v1/describe requests per minute per client (0 = no limit)",
      nonNegativeInt("--describe-per-minute"),
      SERVE_DEFAULTS.describePerMinute,
    )
    .option(
      "--rate-limit <route=n>",
      "at most n requests per minute per client to a route, e.g. /v1/classify=120 (repeatable)",
      collect,
    )
    .option(
      "--labels-file <file>",
      "class lists the page offers (CLIP_benchmark JSON, a list, or lines)",
    )
    .addOption(new Option("--classnames-file <file>", "old name of --labels-file").hideHelp())
    .option(
      "--templates-file <file>",
      "template sets the page offers (CLIP_benchmark JSON or a list)",
    )
    .option(
      "--store <path>",
      "enable POST /v1/search and the page's search box over a store from `zeroclip index` (its model is the default --model)",
    )
    .option(
      "--adapter <file>",
      "classify with this few-shot adapter from `zeroclip adapt`: its classes are the labels",
    )
    .option("--log-level <level>", `log level (${LOG_LEVELS.join("|")})`, "info");
  addScoringOptions(addModelOptions(cmd));
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip serve --model /tmp/tiny-clip             # then open http://127.0.0.1:8080/
  curl -s localhost:8080/v1/classify -H 'content-type: application/json' \\
    -d '{"images": ["https://example.com/frog.jpg"], "labels": ["tree frog", "tailed frog"]}'
  ZEROCLIP_KEY=secret zeroclip serve --api-key-env ZEROCLIP_KEY --host 0.0.0.0 --no-url-inputs
  zeroclip serve --store photos.zcstore --adapter photos.safetensors   # search + few-shot
  zeroclip serve --llm-model llama3.1:8b --llm-base-url http://localhost:11434/v1

Routes: POST /v1/classify, /v1/embeddings (OpenAI-compatible), /v1/describe, /v1/search
(with --store); GET /health,
/ready, /metrics, /v1/config, /openapi.json, /docs (API docs), / (the web page).
Logs are JSON lines (pino) on stderr. SIGTERM/SIGINT finish the requests in flight, then exit 0.
--classnames-file is the old name of --labels-file (kept for one release).
Exit codes: 0 stopped cleanly, 1 requests were cut at shutdown, 2 usage error, 3 model error,
4 network error (hub).`,
  );
  cmd.action(async (flags: ServeFlags) => setExitCode(await runServe(flags, cmd)));
  return cmd;
}

function apiKeyFrom(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const key = process.env[name];
  if (!key || key.trim() === "") {
    throw new UsageError(
      `--api-key-env ${name}: the environment variable ${name} is not set or empty`,
    );
  }
  return key.trim();
}

export async function runServe(flags: ServeFlags, cmd: Command): Promise<number> {
  const apiKey = apiKeyFrom(flags.apiKeyEnv);
  if (flags.llmBaseUrl && !flags.llmModel) throw new UsageError("--llm-base-url needs --llm-model");
  return serve(
    {
      model: modelRequest(flags, cmd),
      store: flags.store,
      adapter: flags.adapter,
      labelsFile: labelsFileFlag(flags),
      templatesFile: flags.templatesFile,
      host: flags.host,
      port: flags.port,
      logLevel: flags.logLevel,
      batchSize: flags.batchSize,
      batchWaitMs: flags.batchWaitMs,
      maxQueue: flags.maxQueue,
      maxImagesPerRequest: flags.maxImages,
      maxPixels: flags.maxPixels,
      exifOrientation: flags.exifOrientation,
      bodyLimit: Math.round(flags.bodyLimit * 1024 * 1024),
      requestTimeoutMs: flags.requestTimeout * 1000,
      allowUrlInputs: flags.urlInputs,
      allowPrivateUrls: flags.allowPrivateUrls ?? false,
      allowedHosts: flags.allowedHost,
      limits: {
        maxLabels: flags.maxLabels,
        maxTemplates: flags.maxTemplates,
        maxDescriptionsPerLabel: flags.maxDescriptions,
        maxPromptTexts: flags.maxPromptTexts,
        maxTextLength: flags.maxTextLength,
        maxRequestPixels: flags.maxRequestPixels,
        maxDescribeSamples: flags.maxDescribeSamples,
        maxDescribeTokens: flags.maxDescribeTokens,
      },
      maxConnections: flags.maxConnections,
      classifierCacheBytes: Math.round(flags.classCacheMb * 1024 * 1024),
      describeCustomQuestions: flags.describeCustomQuestions ?? false,
      rateLimits: {
        "/v1/describe": flags.describePerMinute,
        ...Object.fromEntries((flags.rateLimit ?? []).map(parseRateLimit)),
      },
      apiKey,
      corsOrigins: flags.cors,
      classifierCacheSize: flags.classCache,
      diskCache: flags.cache,
      llm: flags.llmModel ? { model: flags.llmModel, baseURL: flags.llmBaseUrl } : undefined,
    },
    { onMessage: printMessage },
  );
}
