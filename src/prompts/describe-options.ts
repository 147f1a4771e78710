import { UsageError } from "../util/errors.js";
import { SENTENCE_STOP } from "./clean.js";
import type { DescribeFailure } from "./describe-result.js";
import { endpointId } from "./llm-cache.js";
import { DEFAULT_QUESTION_SET, fillQuestion, QUESTION_SETS } from "./questions.js";
import type { RetryOptions } from "./retry.js";

/** The OpenAI API, used when no base URL is given (and OPENAI_BASE_URL is unset). */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** CuPL's sampling settings. */
export const DESCRIBE_DEFAULTS = {
  n: 10,
  temperature: 0.99,
  maxTokens: 50,
  concurrency: 8,
  timeoutMs: 60_000,
} as const;

export interface DescribeOptions extends RetryOptions {
  /** The LLM, e.g. "gpt-4o-mini" or "llama3.1:8b" (required). */
  model: string;
  /** An OpenAI-compatible Chat Completions endpoint (default $OPENAI_BASE_URL, else OpenAI). */
  baseURL?: string;
  /** API key (default $OPENAI_API_KEY; a placeholder when unset). Never logged or cached. */
  apiKey?: string;
  /** Questions with `{}` for the class (default CuPL's ImageNet five). */
  questions?: readonly string[];
  /** Samples per question (default 10). */
  n?: number;
  /** Sampling temperature (default 0.99). */
  temperature?: number;
  /** Token limit per answer (default 50). */
  maxTokens?: number;
  /** Drop repeated sentences within a class (default false: repeats weight the mean, as in CuPL). */
  dedupe?: boolean;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Per-request timeout in ms (default 60 000); a timeout is retried. */
  timeoutMs?: number;
  /**
   * Answer cache: true (default) = `<zeroclip cache>/llm`, a string = that directory,
   * false = none. Keyed by endpoint, model, sampling parameters, question, class and sample
   * index, so a re-run makes no requests and a killed run resumes.
   */
  cache?: boolean | string;
  /** Requests per (class, question) when a server returns fewer than `n` choices (default 2n+2). */
  maxRequestsPerQuestion?: number;
  /** A fetch implementation for the openai client (proxies, tests). */
  fetch?: typeof fetch;
  /** Called as answers arrive (done and total count answers, cached ones included). */
  onProgress?: (done: number, total: number) => void;
  /** Called once per class that failed, as soon as it failed. */
  onFailure?: (failure: DescribeFailure) => void;
  /** Called with a warning line (e.g. the server refused n > 1). */
  onWarning?: (message: string) => void;
  /** Called before a retry. */
  onRetry?: (message: string, delayMs: number) => void;
  /** Stops new requests and aborts those in flight. */
  signal?: AbortSignal;
}

/** DescribeOptions checked, trimmed and with defaults filled in. */
export type DescribeSettings = ReturnType<typeof checkOptions>;

/** Check the labels and options; throws a UsageError on the first problem. */
export function checkOptions(labels: readonly string[], o: DescribeOptions) {
  const clean = labels.map((l) => l.trim());
  if (clean.length === 0 || clean.some((l) => l === "")) {
    throw new UsageError("labels must be a non-empty list of non-empty names");
  }
  const dup = clean.find((l, i) => clean.indexOf(l) !== i);
  if (dup !== undefined) throw new UsageError(`label ${JSON.stringify(dup)} is given twice`);
  if (!o.model || o.model.trim() === "") throw new UsageError("an LLM model name is required");
  const int = (v: number | undefined, d: number, what: string, min = 1) => {
    const x = v ?? d;
    if (!Number.isInteger(x) || x < min)
      throw new UsageError(`${what} must be an integer ≥ ${min}`);
    return x;
  };
  const n = int(o.n, DESCRIBE_DEFAULTS.n, "n");
  const questions = [...(o.questions ?? QUESTION_SETS[DEFAULT_QUESTION_SET])];
  if (questions.length === 0) throw new UsageError("no questions");
  for (const q of questions) fillQuestion(q, "x"); // placeholder check
  if (new Set(questions).size !== questions.length)
    throw new UsageError("a question is given twice");
  const temperature = o.temperature ?? DESCRIBE_DEFAULTS.temperature;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new UsageError("temperature must be a number ≥ 0");
  }
  const timeoutMs = o.timeoutMs ?? DESCRIBE_DEFAULTS.timeoutMs;
  if (!(timeoutMs > 0)) throw new UsageError("timeout must be positive");
  return {
    labels: clean,
    model: o.model.trim(),
    n,
    questions,
    temperature,
    maxTokens: int(o.maxTokens, DESCRIBE_DEFAULTS.maxTokens, "max tokens"),
    /** The stop sequences sent with every request and applied when cleaning answers. */
    stop: [SENTENCE_STOP],
    concurrency: int(o.concurrency, DESCRIBE_DEFAULTS.concurrency, "concurrency"),
    maxRequestsPerQuestion: int(o.maxRequestsPerQuestion, 2 * n + 2, "max requests per question"),
    timeoutMs,
    dedupe: o.dedupe ?? false,
    retry: {
      retries: int(o.retries, 6, "retries", 0),
      baseMs: o.baseMs,
      maxMs: o.maxMs,
    } satisfies RetryOptions,
  };
}

/** The base URL to use: the option, else $OPENAI_BASE_URL, else OpenAI; checked. */
export function resolveBaseURL(baseURL: string | undefined): string {
  return checkBaseURL(baseURL ?? process.env.OPENAI_BASE_URL ?? OPENAI_BASE_URL);
}

/**
 * An http(s) URL without credentials (fetch refuses those, which the openai client reports as
 * a retried "Connection error."). The message never repeats credentials.
 */
export function checkBaseURL(baseURL: string): string {
  let url: URL | undefined;
  try {
    url = new URL(baseURL);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(
      `the LLM base URL ${JSON.stringify(endpointId(baseURL))} is not an http(s) URL, e.g. http://localhost:11434/v1`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(
      `the LLM base URL ${endpointId(baseURL)} must not hold credentials: set OPENAI_API_KEY`,
    );
  }
  return baseURL;
}
