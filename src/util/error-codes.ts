/**
 * The stable error codes: every `ZeroclipError` carries one, and so does every per-input error
 * record (`{input, code, error}`). Callers, the server's HTTP mapping and the CLI's exit code
 * decide by code, never by message text. A code's `kind` is the error class it belongs to.
 * docs/errors.md lists them (test/util/error-codes.test.ts keeps the two in step).
 */

/** The error classes: `InputError`, `ModelError`, `UsageError`, `NetworkError`, and the server's. */
export type ErrorKind = "input" | "model" | "usage" | "network" | "service";

/** Every code, its kind and what it means (one line, as in docs/errors.md). */
export const ERROR_CODES = {
  // InputError: one input (file, URL, bytes) cannot be used; the rest go on.
  input_invalid: { kind: "input", summary: "an input that cannot be used (no finer code)" },
  file_not_found: { kind: "input", summary: "no such file" },
  file_unreadable: {
    kind: "input",
    summary: "a path that cannot be read as a file: a directory, empty, no access",
  },
  input_too_large: {
    kind: "input",
    summary: "a file, download or byte string over the byte limit",
  },
  image_data_invalid: {
    kind: "input",
    summary: "an image string that is no http(s) URL, data: URI or base64",
  },
  image_unreadable: {
    kind: "input",
    summary: "bytes that are not a readable image: not an image, corrupt, truncated",
  },
  image_unsupported: {
    kind: "input",
    summary: "an image format or band layout zeroclip does not decode",
  },
  image_too_large: { kind: "input", summary: "more pixels than the pixel limit (--max-pixels)" },
  url_inputs_disabled: {
    kind: "input",
    summary: "a URL sent to a server that does not fetch URLs",
  },
  url_refused: {
    kind: "input",
    summary: "a URL of a non-public address or a scheme the server does not fetch",
  },
  fetch_failed: {
    kind: "input",
    summary: "a URL that could not be downloaded: unreachable, an HTTP error, empty",
  },
  fetch_timeout: { kind: "input", summary: "a URL whose download took longer than its time limit" },
  not_indexed: { kind: "input", summary: "an input the store does not hold (index it first)" },
  index_failed: {
    kind: "input",
    summary:
      "an input whose indexing failed without a finer code (a whole shard, or a store written before codes were kept)",
  },
  worker_failed: {
    kind: "input",
    summary: "the preprocessing worker died on this input (a crash in a native decoder)",
  },
  // ModelError: the model (or a file made with one) cannot be used.
  model_invalid: {
    kind: "model",
    summary: "a model directory or repo that cannot be used (no finer code)",
  },
  model_not_found: { kind: "model", summary: "no such model directory or hub repository" },
  revision_not_found: { kind: "model", summary: "no such revision of a hub repository" },
  model_file_missing: {
    kind: "model",
    summary: "a file the model needs is missing (config, tokenizer, an ONNX dtype)",
  },
  model_access_denied: {
    kind: "model",
    summary: "a gated or private hub repository without access",
  },
  model_not_cached: { kind: "model", summary: "offline, and the model is not in the hub cache" },
  model_family_unknown: { kind: "model", summary: "a model of a family zeroclip does not run" },
  model_mismatch: {
    kind: "model",
    summary: "a store, adapter or embedding made with another model",
  },
  // UsageError: the call or its files are wrong; fix the command or request.
  usage: {
    kind: "usage",
    summary: "wrong usage: a missing or conflicting option, a malformed file (no finer code)",
  },
  limit_exceeded: {
    kind: "usage",
    summary: "a request over one of the server's limits (HTTP `error.limit` names it)",
  },
  store_not_found: { kind: "usage", summary: "no store (or an empty one) at the given location" },
  store_invalid: {
    kind: "usage",
    summary: "a location that holds no zeroclip store of this format",
  },
  credentials_refused: {
    kind: "usage",
    summary: "Redis or PostgreSQL refused the credentials or privileges",
  },
  // NetworkError: a remote service failed.
  network: { kind: "network", summary: "a remote service failed (no finer code)" },
  network_unreachable: {
    kind: "network",
    summary: "a remote service (hub, Redis, PostgreSQL) could not be reached",
  },
  rate_limited: { kind: "network", summary: "a remote service asked to slow down (HTTP 429)" },
  llm_failed: { kind: "network", summary: "the LLM endpoint refused or failed a request" },
  // The server's own conditions, and inputs dropped or failed by a bug.
  overloaded: {
    kind: "service",
    summary: "the server's image queue is full; retry after Retry-After",
  },
  shutting_down: { kind: "service", summary: "the server is stopping and takes no new images" },
  cancelled: {
    kind: "service",
    summary: "the request ended (closed, timed out) before this input was done",
  },
  internal_error: { kind: "service", summary: "a bug: the details are in the log" },
} as const satisfies Record<string, { kind: ErrorKind; summary: string }>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind. */
export type CodeOfKind<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]["kind"] extends K ? C : never;
}[ErrorCode];

export type InputErrorCode = CodeOfKind<"input">;
export type ModelErrorCode = CodeOfKind<"model">;
export type UsageErrorCode = CodeOfKind<"usage">;
export type NetworkErrorCode = CodeOfKind<"network">;

/** The kind of a code. */
export function kindOf(code: ErrorCode): ErrorKind {
  return ERROR_CODES[code].kind;
}
