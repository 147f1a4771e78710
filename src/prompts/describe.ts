import {
  AnswerRequester,
  type ClassQuestion,
  createLlmClient,
  missingAnswers,
} from "./answer-requests.js";
import { runClassQuestions, type ScheduleOutcome } from "./class-scheduler.js";
import {
  checkOptions,
  type DescribeOptions,
  type DescribeSettings,
  resolveBaseURL,
} from "./describe-options.js";
import {
  collectDescriptions,
  type DescribeResult,
  failuresInLabelOrder,
} from "./describe-result.js";
import { endpointFailure } from "./endpoint-errors.js";
import {
  type AnswerStore,
  defaultLlmCacheDir,
  endpointId,
  LlmCache,
  MemoryCache,
} from "./llm-cache.js";
import { fillQuestion } from "./questions.js";
import { RateGate } from "./retry.js";

export {
  DESCRIBE_DEFAULTS,
  type DescribeOptions,
  OPENAI_BASE_URL,
} from "./describe-options.js";
export type { DescribeFailure, DescribeResult } from "./describe-result.js";

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
  const settings = checkOptions(labels, options);
  const { n, model } = settings;
  const baseURL = resolveBaseURL(options.baseURL);
  // Without a disk cache there is nothing to wait for (no extra tick before onProgress).
  const store: AnswerStore =
    options.cache === false
      ? new MemoryCache()
      : await openDiskCache(options.cache, baseURL, settings);
  const client = createLlmClient(baseURL, options, settings.timeoutMs);

  const units: ClassQuestion[] = settings.labels.flatMap((label) =>
    settings.questions.map((question) => ({
      label,
      question,
      prompt: fillQuestion(question, label),
    })),
  );
  const total = units.length * n;
  const queue: ClassQuestion[] = [];
  let cachedAnswers = 0;
  for (const u of units) {
    const missing = missingAnswers(store, u, n).length;
    cachedAnswers += n - missing;
    if (missing > 0) queue.push(u);
  }
  let done = cachedAnswers;
  options.onProgress?.(done, total);

  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const requester = new AnswerRequester(settings, {
    client,
    store,
    gate: new RateGate(),
    signal: inner.signal,
    onAnswers: (count) => {
      done += count;
      options.onProgress?.(done, total);
    },
    onWarning: options.onWarning,
    onRetry: options.onRetry,
  });

  let outcome: ScheduleOutcome;
  try {
    outcome = await runClassQuestions(queue, {
      concurrency: settings.concurrency,
      controller: inner,
      run: (u) => requester.complete(u),
      onFailure: options.onFailure,
    });
    await store.flush();
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  if (outcome.fatal !== undefined) throw endpointFailure(outcome.fatal, baseURL, model);
  if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");

  return {
    descriptions: collectDescriptions(store, settings, outcome.failed),
    failures: failuresInLabelOrder(settings.labels, outcome.failed),
    requests: requester.requests,
    cachedAnswers,
    usage: requester.usage,
    endpoint: endpointId(baseURL),
  };
}

/** The answer cache on disk (`cache` is a directory, else the default), keyed by sampling. */
function openDiskCache(
  cache: true | string | undefined,
  baseURL: string,
  settings: DescribeSettings,
): Promise<LlmCache> {
  return LlmCache.open(typeof cache === "string" ? cache : defaultLlmCacheDir(), {
    endpoint: endpointId(baseURL),
    model: settings.model,
    temperature: settings.temperature,
    maxTokens: settings.maxTokens,
    stop: settings.stop,
  });
}
