import { APIError } from "openai";
import { errorMessage, NetworkError } from "../util/errors.js";
import { endpointId } from "./llm-cache.js";

/** Errors that concern the whole endpoint, not one class: stop everything. */
const FATAL_STATUSES = new Set([401, 403, 404]);

/**
 * A 200 answer that is not a chat completion (an HTML login page, `null`): the base URL is not
 * an OpenAI-compatible endpoint, so every class would fail the same way.
 */
export class NotACompletionError extends Error {}

/** `body` when it looks like a chat completion, else a NotACompletionError. */
export function checkCompletion<T>(body: T): T {
  if (body && typeof body === "object" && Array.isArray((body as { choices?: unknown }).choices)) {
    return body;
  }
  const text = (typeof body === "string" ? body : (JSON.stringify(body) ?? "nothing")).trim();
  const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  throw new NotACompletionError(`the server did not answer with a chat completion: ${preview}`);
}

/** Whether `err` would fail every class alike (so the run stops), not just the one asked about. */
export function isEndpointError(err: unknown): boolean {
  const status = err instanceof APIError ? err.status : undefined;
  return err instanceof NotACompletionError || (status !== undefined && FATAL_STATUSES.has(status));
}

/** The NetworkError reported for an endpoint error, with a hint at the likely cause. */
export function endpointFailure(err: unknown, baseURL: string, model: string): NetworkError {
  const status = err instanceof APIError ? err.status : undefined;
  const hint =
    status === 401
      ? " (set OPENAI_API_KEY for this endpoint)"
      : status === 404 || err instanceof NotACompletionError
        ? ` (is ${endpointId(baseURL)} an OpenAI-compatible /v1 endpoint serving model ${JSON.stringify(model)}?)`
        : "";
  return new NetworkError(`LLM request failed: ${errorMessage(err)}${hint}`, "llm_failed");
}
