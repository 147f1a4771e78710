import OpenAI, { APIConnectionError, APIError } from "openai";
import { errorMessage, NetworkError, UsageError } from "../util/errors.js";
import { cleanAnswer, dedupeSentences, SENTENCE_STOP } from "./clean.js";
import {
  type AnswerStore,
  type CachedAnswer,
  defaultLlmCacheDir,
  endpointId,
  LlmCache,
  MemoryCache,
} from "./llm-cache.js";
import { DEFAULT_QUESTION_SET, fillQuestion, QUESTION_SETS } from "./questions.js";
import { RateGate, type RetryOptions, withRetry } from "./retry.js";

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

/** Sent as the key when none is set: local servers (Ollama, vLLM, llama.cpp) need none. */
const PLACEHOLDER_KEY = "no-key";

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

/** A class whose descriptions could not be generated. */
export interface DescribeFailure {
  label: string;
  /** One-line reason. */
  error: string;
  /** HTTP status when the server answered with an error. */
  status?: number;
}

export interface DescribeResult {
  /** CuPL JSON: class → sentences, in label order, only classes that succeeded. */
  descriptions: Record<string, string[]>;
  failures: DescribeFailure[];
  /** Requests sent (0 when everything came from the cache). */
  requests: number;
  /** Answers taken from the cache. */
  cachedAnswers: number;
  /** Token usage the server reported. */
  usage: { promptTokens: number; completionTokens: number };
}

/** Errors that concern the whole endpoint, not one class: stop everything. */
const FATAL_STATUSES = new Set([401, 403, 404]);

/**
 * A 200 answer that is not a chat completion (an HTML login page, `null`): the base URL is not
 * an OpenAI-compatible endpoint, so every class would fail the same way.
 */
class NotACompletionError extends Error {}

function checkCompletion<T>(body: T): T {
  if (body && typeof body === "object" && Array.isArray((body as { choices?: unknown }).choices)) {
    return body;
  }
  const text = (typeof body === "string" ? body : (JSON.stringify(body) ?? "nothing")).trim();
  const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  throw new NotACompletionError(`the server did not answer with a chat completion: ${preview}`);
}

interface Unit {
  label: string;
  question: string;
  prompt: string;
}

/**
 * Generate CuPL class descriptions: ask an LLM each question about each class `n` times and
 * collect the cleaned one-sentence answers. Failing classes are reported in `failures` while
 * the others finish; errors that affect every class (authentication, unknown model or
 * endpoint) throw a NetworkError.
 */
export async function describeClasses(
  labels: readonly string[],
  options: DescribeOptions,
): Promise<DescribeResult> {
  const opts = checkOptions(labels, options);
  const { n, questions, model } = opts;
  const baseURL = checkBaseURL(options.baseURL ?? process.env.OPENAI_BASE_URL ?? OPENAI_BASE_URL);
  const stop = [SENTENCE_STOP];
  const store: AnswerStore =
    options.cache === false
      ? new MemoryCache()
      : await LlmCache.open(
          typeof options.cache === "string" ? options.cache : defaultLlmCacheDir(),
          {
            endpoint: endpointId(baseURL),
            model,
            temperature: opts.temperature,
            maxTokens: opts.maxTokens,
            stop,
          },
        );
  const client = new OpenAI({
    baseURL,
    apiKey: options.apiKey ?? (process.env.OPENAI_API_KEY || PLACEHOLDER_KEY),
    // One retry layer: ours (honours Retry-After beyond 60 s, shares a rate-limit pause
    // between workers, configurable backoff).
    maxRetries: 0,
    timeout: opts.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const units: Unit[] = opts.labels.flatMap((label) =>
    questions.map((question) => ({ label, question, prompt: fillQuestion(question, label) })),
  );
  const total = units.length * n;
  let done = 0;
  let cachedAnswers = 0;
  for (const u of units) {
    for (let i = 0; i < n; i++)
      if (store.get(u.label, u.question, i) !== undefined) cachedAnswers++;
  }
  done = cachedAnswers;
  options.onProgress?.(done, total);

  const failed = new Map<string, DescribeFailure>();
  const usage = { promptTokens: 0, completionTokens: 0 };
  let requests = 0;
  let fatal: unknown;
  let oneChoice = false;
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const gate = new RateGate();

  const runUnit = async (u: Unit): Promise<void> => {
    const missing = () => {
      const m: number[] = [];
      for (let i = 0; i < n; i++) if (store.get(u.label, u.question, i) === undefined) m.push(i);
      return m;
    };
    let todo = missing();
    for (let r = 0; todo.length > 0; r++) {
      if (r >= opts.maxRequestsPerQuestion) {
        throw new Error(
          `server returned ${n - todo.length} of ${n} answers after ${r} requests for ${JSON.stringify(u.prompt)}`,
        );
      }
      const want = oneChoice ? 1 : todo.length;
      const request = (count: number) =>
        withRetry(
          () => {
            requests++;
            return client.chat.completions
              .create(
                {
                  model,
                  messages: [{ role: "user", content: u.prompt }],
                  n: count,
                  temperature: opts.temperature,
                  max_tokens: opts.maxTokens,
                  stop,
                },
                { signal: inner.signal },
              )
              .then(checkCompletion, (err: unknown) => {
                // A JSON body cut short (a dropped connection): retried like one.
                if (!(err instanceof SyntaxError)) throw err;
                throw new APIConnectionError({
                  message: `invalid JSON from the server (${err.message})`,
                  cause: err,
                });
              });
          },
          {
            ...opts.retry,
            gate,
            signal: inner.signal,
            onRetry: (err, delay, attempt) =>
              options.onRetry?.(
                `${JSON.stringify(u.label)}: ${errorMessage(err)} (retry ${attempt} in ${Math.round(delay)} ms)`,
                delay,
              ),
          },
        );
      let completion: Awaited<ReturnType<typeof request>>;
      try {
        completion = await request(want);
      } catch (err) {
        // Some servers (llama.cpp) refuse n > 1 with a 400: ask for one answer at a time.
        if (!(err instanceof APIError && err.status === 400 && want > 1)) throw err;
        completion = await request(1);
        if (!oneChoice) {
          oneChoice = true;
          options.onWarning?.(
            `the server refused n=${want} (${errorMessage(err)}); asking for one answer per request`,
          );
        }
      }
      usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
      usage.completionTokens += completion.usage?.completion_tokens ?? 0;
      const texts = (completion.choices ?? [])
        .map((c) => c.message?.content)
        .filter((t): t is string => typeof t === "string")
        .slice(0, want);
      const entries: CachedAnswer[] = texts.map((text, k) => ({
        label: u.label,
        question: u.question,
        index: todo[k],
        text,
      }));
      await store.add(entries);
      done += entries.length;
      options.onProgress?.(done, total);
      todo = missing();
    }
  };

  const queue = units.filter((u) => {
    for (let i = 0; i < n; i++) if (store.get(u.label, u.question, i) === undefined) return true;
    return false;
  });
  let next = 0;
  const worker = async () => {
    while (fatal === undefined && !inner.signal.aborted) {
      const u = queue[next++];
      if (!u) return;
      if (failed.has(u.label)) continue;
      try {
        await runUnit(u);
      } catch (err) {
        if (inner.signal.aborted) return;
        const status = err instanceof APIError ? err.status : undefined;
        if (
          err instanceof NotACompletionError ||
          (status !== undefined && FATAL_STATUSES.has(status))
        ) {
          fatal ??= err;
          inner.abort(err);
          return;
        }
        if (!failed.has(u.label)) {
          const f: DescribeFailure = { label: u.label, error: errorMessage(err), status };
          failed.set(u.label, f);
          options.onFailure?.(f);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, queue.length) }, worker));
    await store.flush();
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  if (fatal !== undefined) {
    const status = fatal instanceof APIError ? fatal.status : undefined;
    const hint =
      status === 401
        ? " (set OPENAI_API_KEY for this endpoint)"
        : status === 404 || fatal instanceof NotACompletionError
          ? ` (is ${endpointId(baseURL)} an OpenAI-compatible /v1 endpoint serving model ${JSON.stringify(model)}?)`
          : "";
    throw new NetworkError(`LLM request failed: ${errorMessage(fatal)}${hint}`);
  }
  if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");

  const descriptions: Record<string, string[]> = {};
  for (const label of opts.labels) {
    if (failed.has(label)) continue;
    const sentences: string[] = [];
    for (const question of questions) {
      for (let i = 0; i < n; i++) {
        const raw = store.get(label, question, i);
        const s = raw === undefined ? undefined : cleanAnswer(raw, stop);
        if (s !== undefined) sentences.push(s);
      }
    }
    descriptions[label] = opts.dedupe ? dedupeSentences(sentences) : sentences;
  }
  const failures = opts.labels.filter((l) => failed.has(l)).map((l) => failed.get(l)!);
  return { descriptions, failures, requests, cachedAnswers, usage };
}

/**
 * An http(s) URL without credentials (fetch refuses those, which the openai client reports as
 * a retried "Connection error."). The message never repeats credentials.
 */
function checkBaseURL(baseURL: string): string {
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

function checkOptions(labels: readonly string[], o: DescribeOptions) {
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
