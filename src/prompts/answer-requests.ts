import OpenAI, { APIConnectionError, APIError } from "openai";
import { errorMessage } from "../util/errors.js";
import type { DescribeOptions, DescribeSettings } from "./describe-options.js";
import { checkCompletion } from "./endpoint-errors.js";
import type { AnswerStore, CachedAnswer } from "./llm-cache.js";
import { type RateGate, withRetry } from "./retry.js";

/** Sent as the key when none is set: local servers (Ollama, vLLM, llama.cpp) need none. */
const PLACEHOLDER_KEY = "no-key";

/** One question about one class: the unit of work, whose `n` answers are requested together. */
export interface ClassQuestion {
  label: string;
  question: string;
  /** The question filled in with the label. */
  prompt: string;
}

/** Sample indices of `unit` that the store has no answer for yet. */
export function missingAnswers(store: AnswerStore, unit: ClassQuestion, n: number): number[] {
  const m: number[] = [];
  for (let i = 0; i < n; i++) if (store.get(unit.label, unit.question, i) === undefined) m.push(i);
  return m;
}

/** The openai client for the endpoint; it does not retry itself. */
export function createLlmClient(
  baseURL: string,
  options: Pick<DescribeOptions, "apiKey" | "fetch">,
  timeoutMs: number,
): OpenAI {
  return new OpenAI({
    baseURL,
    apiKey: options.apiKey ?? (process.env.OPENAI_API_KEY || PLACEHOLDER_KEY),
    // One retry layer: ours (honours Retry-After beyond 60 s, shares a rate-limit pause
    // between workers, configurable backoff).
    maxRetries: 0,
    timeout: timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** What an AnswerRequester shares with the rest of the run. */
export interface AnswerRequesterContext {
  client: OpenAI;
  store: AnswerStore;
  /** The rate-limit pause shared by all workers. */
  gate: RateGate;
  /** Aborts the retries and requests in flight. */
  signal: AbortSignal;
  /** Called after `count` new answers were stored. */
  onAnswers: (count: number) => void;
  onWarning?: (message: string) => void;
  onRetry?: (message: string, delayMs: number) => void;
}

type RequestSettings = Pick<
  DescribeSettings,
  "model" | "n" | "temperature" | "maxTokens" | "stop" | "maxRequestsPerQuestion" | "retry"
>;

/**
 * Requests the missing answers of (class, question) units, with retries, and stores them.
 * Counts requests and token usage over all units.
 */
export class AnswerRequester {
  /** Requests sent, retries included. */
  requests = 0;
  /** Token usage the server reported. */
  readonly usage = { promptTokens: 0, completionTokens: 0 };
  /** Set once the server refused n > 1; from then on every request asks for one answer. */
  private oneChoice = false;

  constructor(
    private readonly settings: RequestSettings,
    private readonly context: AnswerRequesterContext,
  ) {}

  /**
   * Request answers for `unit` until the store holds all `n`: servers may return fewer choices
   * than asked for, so this repeats, up to `maxRequestsPerQuestion` requests.
   */
  async complete(unit: ClassQuestion): Promise<void> {
    const { n, maxRequestsPerQuestion } = this.settings;
    const { store } = this.context;
    let todo = missingAnswers(store, unit, n);
    for (let r = 0; todo.length > 0; r++) {
      if (r >= maxRequestsPerQuestion) {
        throw new Error(
          `server returned ${n - todo.length} of ${n} answers after ${r} requests for ${JSON.stringify(unit.prompt)}`,
        );
      }
      const want = this.oneChoice ? 1 : todo.length;
      let completion: Awaited<ReturnType<typeof this.request>>;
      try {
        completion = await this.request(unit, want);
      } catch (err) {
        // Some servers (llama.cpp) refuse n > 1 with a 400: ask for one answer at a time.
        if (!(err instanceof APIError && err.status === 400 && want > 1)) throw err;
        completion = await this.request(unit, 1);
        if (!this.oneChoice) {
          this.oneChoice = true;
          this.context.onWarning?.(
            `the server refused n=${want} (${errorMessage(err)}); asking for one answer per request`,
          );
        }
      }
      this.usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
      this.usage.completionTokens += completion.usage?.completion_tokens ?? 0;
      const texts = (completion.choices ?? [])
        .map((c) => c.message?.content)
        .filter((t): t is string => typeof t === "string")
        .slice(0, want);
      const entries: CachedAnswer[] = texts.map((text, k) => ({
        label: unit.label,
        question: unit.question,
        index: todo[k],
        text,
      }));
      await store.add(entries);
      this.context.onAnswers(entries.length);
      todo = missingAnswers(store, unit, n);
    }
  }

  /** One chat completion with `count` choices, retried. */
  private request(unit: ClassQuestion, count: number) {
    const { model, temperature, maxTokens, stop, retry } = this.settings;
    const { client, gate, signal, onRetry } = this.context;
    return withRetry(
      () => {
        this.requests++;
        return client.chat.completions
          .create(
            {
              model,
              messages: [{ role: "user", content: unit.prompt }],
              n: count,
              temperature,
              max_tokens: maxTokens,
              stop,
            },
            { signal },
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
        ...retry,
        gate,
        signal,
        onRetry: (err, delay, attempt) =>
          onRetry?.(
            `${JSON.stringify(unit.label)}: ${errorMessage(err)} (retry ${attempt} in ${Math.round(delay)} ms)`,
            delay,
          ),
      },
    );
  }
}
