import { APIConnectionError, APIError, APIUserAbortError } from "openai";

/** How requests to the LLM are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 6). */
  retries?: number;
  /** First backoff delay in ms (default 500); doubles per retry, with jitter. */
  baseMs?: number;
  /** Longest wait between attempts, backoff or Retry-After, in ms (default 60 000). */
  maxMs?: number;
}

export const RETRY_DEFAULTS = { retries: 6, baseMs: 500, maxMs: 60_000 } as const;

/** Whether an error from the openai client is worth another attempt. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  // Timeouts are APIConnectionTimeoutError, a subclass.
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) {
    const s = err.status;
    return s === undefined || s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

/**
 * The wait a response asked for, in ms: `retry-after-ms`, else `Retry-After` as seconds or an
 * HTTP date. Undefined when absent or unparsable.
 */
export function retryAfterMs(
  headers: Headers | undefined | null,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Delay before retry number `attempt` (0-based): the server's Retry-After when it gave one
 * (plus up to 10% jitter, so concurrent workers do not return in lockstep), else exponential
 * backoff with "equal jitter" (half fixed, half random). Both capped at `maxMs`.
 */
export function retryDelayMs(
  attempt: number,
  err: unknown,
  opts: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const base = opts.baseMs ?? RETRY_DEFAULTS.baseMs;
  const max = opts.maxMs ?? RETRY_DEFAULTS.maxMs;
  const asked = err instanceof APIError ? retryAfterMs(err.headers) : undefined;
  if (asked !== undefined) return Math.min(max, asked * (1 + 0.1 * random()));
  const exp = Math.min(max, base * 2 ** attempt);
  return exp / 2 + (exp / 2) * random();
}

/** Sleep that an abort signal cuts short (rejecting with the signal's reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Shared pause for all workers: after a 429 with Retry-After, nobody sends a new request
 * before the time the server asked for, so a rate limit does not turn into a storm of 429s.
 */
export class RateGate {
  private notBefore = 0;

  /** Hold everyone until `ms` from now (never shortens an existing pause). */
  pause(ms: number): void {
    this.notBefore = Math.max(this.notBefore, Date.now() + ms);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    for (let d = this.notBefore - Date.now(); d > 0; d = this.notBefore - Date.now()) {
      await sleep(d, signal);
    }
  }
}

/**
 * Run `attempt` until it succeeds, a non-retryable error occurs, or retries run out.
 * 429s with Retry-After also pause the shared gate.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  opts: RetryOptions & {
    gate?: RateGate;
    signal?: AbortSignal;
    onRetry?: (err: unknown, delayMs: number, attempt: number) => void;
  } = {},
): Promise<T> {
  const retries = opts.retries ?? RETRY_DEFAULTS.retries;
  for (let i = 0; ; i++) {
    await opts.gate?.wait(opts.signal);
    try {
      return await attempt();
    } catch (err) {
      if (i >= retries || !isRetryable(err) || opts.signal?.aborted) throw err;
      const delay = retryDelayMs(i, err, opts);
      if (
        err instanceof APIError &&
        err.status === 429 &&
        retryAfterMs(err.headers) !== undefined
      ) {
        opts.gate?.pause(delay);
      }
      opts.onRetry?.(err, delay, i + 1);
      await sleep(delay, opts.signal);
    }
  }
}
