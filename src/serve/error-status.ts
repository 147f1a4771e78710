/**
 * The one table the server answers errors by: each stable error code (util/error-codes.ts) →
 * the HTTP status and the `type` of the JSON error body. `type` is the coarser name the API had
 * before codes (kept for its clients); `code` goes in the body too. No message text is read.
 */
import type { ErrorCode } from "../util/error-codes.js";

export interface HttpErrorStatus {
  status: number;
  type: string;
  /** Sent instead of the error's own message (which may name server internals). */
  message?: string;
  /** Seconds after which a client may retry (`Retry-After`). */
  retryAfter?: number;
}

/** Seconds a client is told to wait after a 503 for a full queue or a server shutting down. */
export const RETRY_AFTER_SECONDS = 1;

const INVALID_IMAGE = { status: 422, type: "invalid_image" } as const;
const BAD_REQUEST = { status: 400, type: "invalid_request" } as const;
const MODEL = { status: 500, type: "model_error" } as const;
const UPSTREAM = { status: 502, type: "upstream_error" } as const;

export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, HttpErrorStatus>> = {
  input_invalid: INVALID_IMAGE,
  file_not_found: INVALID_IMAGE,
  file_unreadable: INVALID_IMAGE,
  input_too_large: INVALID_IMAGE,
  image_data_invalid: INVALID_IMAGE,
  image_unreadable: INVALID_IMAGE,
  image_unsupported: INVALID_IMAGE,
  image_too_large: { status: 422, type: "image_too_large" },
  url_inputs_disabled: { status: 422, type: "url_inputs_disabled" },
  url_refused: INVALID_IMAGE,
  fetch_failed: INVALID_IMAGE,
  fetch_timeout: INVALID_IMAGE,
  not_indexed: INVALID_IMAGE,
  index_failed: INVALID_IMAGE,
  worker_failed: INVALID_IMAGE,
  model_invalid: MODEL,
  model_not_found: MODEL,
  revision_not_found: MODEL,
  model_file_missing: MODEL,
  model_access_denied: MODEL,
  model_not_cached: MODEL,
  model_family_unknown: MODEL,
  model_mismatch: MODEL,
  usage: BAD_REQUEST,
  limit_exceeded: { status: 413, type: "limit_exceeded" },
  store_not_found: BAD_REQUEST,
  store_invalid: BAD_REQUEST,
  // The server's own store refused it: nothing the client can fix.
  credentials_refused: UPSTREAM,
  network: UPSTREAM,
  network_unreachable: UPSTREAM,
  rate_limited: UPSTREAM,
  llm_failed: UPSTREAM,
  overloaded: { status: 503, type: "overloaded", retryAfter: RETRY_AFTER_SECONDS },
  shutting_down: {
    status: 503,
    type: "shutting_down",
    message: "the server is shutting down",
    retryAfter: RETRY_AFTER_SECONDS,
  },
  cancelled: { status: 499, type: "client_closed", message: "the request ended first" },
  internal_error: {
    status: 500,
    type: "internal_error",
    message: "internal server error (details are in the server log)",
  },
};
