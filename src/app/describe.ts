/**
 * The describe use case, behind `zeroclip describe` and `POST /v1/describe`: CuPL class
 * descriptions from an OpenAI-compatible LLM. It fills every default (the CuPL question set,
 * `DESCRIBE_DEFAULTS` sampling, the answer cache on) and sums the run up; the caller decides
 * how to show it. A server's own limits (custom questions allowed, samples per request) are the
 * route's, computed with `describeQuestions` and `describeSamples` from the same request.
 */
// The lazy entry: the LLM client loads when descriptions are first asked for.
import { describeClasses } from "../prompts/describe-lazy.js";
import { DESCRIBE_DEFAULTS } from "../prompts/describe-options.js";
import type { DescribeFailure, DescribeResult } from "../prompts/describe-result.js";
import { DEFAULT_QUESTION_SET, QUESTION_SETS, type QuestionSetName } from "../prompts/questions.js";
import { UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";

/** The language model asked. */
export interface LlmRequest {
  /** The LLM, e.g. gpt-4o-mini or llama3.1:8b. */
  model: string;
  /** OpenAI-compatible endpoint (default $OPENAI_BASE_URL, else OpenAI). */
  baseURL?: string;
  /** API key (default $OPENAI_API_KEY). Never logged, cached or returned. */
  apiKey?: string;
}

export interface DescribeRequest {
  labels: readonly string[];
  llm: LlmRequest;
  /** A named question set, or questions with `{}` for the class (default the CuPL set). */
  questions?: QuestionSetName | readonly string[];
  /** Samples per question (default 10). */
  n?: number;
  temperature?: number;
  /** Token limit per answer. */
  maxTokens?: number;
  /** Drop repeated sentences (by default repeats are kept and weight the mean). */
  dedupe?: boolean;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Retries per request on 429, 5xx, timeouts and connection errors. */
  retries?: number;
  /** First backoff delay in ms. */
  retryBaseMs?: number;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  /** The answer cache: true (default) = `<zeroclip cache>/llm`, a directory, or false. */
  cache?: boolean | string;
  /** Aborting stops the run (requests in flight are cancelled). */
  signal?: AbortSignal;
}

export interface DescribeEvents extends UseCaseEvents {
  /** A class failed (the others go on). */
  onFailure?: (failure: DescribeFailure) => void;
  /** A request is retried after `delayMs`. */
  onRetry?: (message: string, delayMs: number) => void;
}

export interface DescribeOutcome extends DescribeResult {
  /** Classes described / asked for. */
  described: number;
  labels: number;
  /** Sentences over all classes. */
  sentences: number;
  /** Nothing was described while some class failed: the endpoint, not the classes, is the problem. */
  endpointDown: boolean;
}

/** The questions a request asks: a named set's, or its own list. */
export function describeQuestions(questions: DescribeRequest["questions"]): string[] {
  if (questions === undefined) return [...QUESTION_SETS[DEFAULT_QUESTION_SET]];
  if (typeof questions === "string") {
    if (!Object.hasOwn(QUESTION_SETS, questions)) {
      throw new UsageError(`unknown question set ${JSON.stringify(questions)}`);
    }
    return [...QUESTION_SETS[questions as QuestionSetName]];
  }
  return [...questions]; // checked with the other options by `describeClasses`
}

/** Answers a request asks for: labels × questions × n. */
export function describeSamples(req: Pick<DescribeRequest, "labels" | "questions" | "n">): number {
  return (
    req.labels.length * describeQuestions(req.questions).length * (req.n ?? DESCRIBE_DEFAULTS.n)
  );
}

/** Run a describe request (see the module comment). */
export async function describeLabels(
  req: DescribeRequest,
  events: DescribeEvents = {},
): Promise<DescribeOutcome> {
  const result = await describeClasses(req.labels, {
    model: req.llm.model,
    baseURL: req.llm.baseURL,
    apiKey: req.llm.apiKey,
    questions: describeQuestions(req.questions),
    n: req.n,
    temperature: req.temperature,
    maxTokens: req.maxTokens,
    dedupe: req.dedupe,
    concurrency: req.concurrency,
    retries: req.retries,
    baseMs: req.retryBaseMs,
    timeoutMs: req.timeoutMs,
    cache: req.cache ?? true,
    signal: req.signal,
    onProgress: (done, total) =>
      events.onProgress?.({ stage: "answers", unit: "answers", done, total }),
    onFailure: events.onFailure,
    onWarning: events.onWarning,
    onRetry: events.onRetry,
  });
  const described = Object.keys(result.descriptions).length;
  const sentences = Object.values(result.descriptions).reduce((s, l) => s + l.length, 0);
  return {
    ...result,
    described,
    labels: req.labels.length,
    sentences,
    endpointDown: described === 0 && result.failures.length > 0,
  };
}
