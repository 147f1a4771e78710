/**
 * Every error the server sends is `{"error": {"message", "type", "code"}}` with a fitting
 * status, and never a stack trace: a zeroclip error's status and type come from its code (the
 * table in error-status.ts), anything unexpected becomes a 500 whose details go to the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../util/error-codes.js";
import { errorMessage, type InputFailure, ZeroclipError } from "../util/errors.js";
import { HTTP_STATUS_BY_CODE } from "./error-status.js";

/**
 * The JSON error body. `code` is the stable error code (docs/errors.md) of a zeroclip error, or
 * the `type` again for the server's own refusals; `limit` names the exceeded limit (its CLI
 * flag) for `limit_exceeded`.
 */
export interface ErrorBody {
  error: { message: string; type: string; code: string; limit?: string };
}

/** An error with the HTTP status and type it is sent with. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** For `limit_exceeded`: the limit, named as its `zeroclip serve` flag (`max-templates`). */
    readonly limit?: string,
    /** The stable code; the server's own refusals (`not_found`, `unauthorized`…) use `type`. */
    readonly code: string = type,
  ) {
    super(message);
  }
}

/** A zeroclip error code and message as the API error its code maps to. */
export function codedApiError(code: ErrorCode, message: string): ApiError {
  const row = HTTP_STATUS_BY_CODE[code];
  const headers: Record<string, string> =
    row.retryAfter !== undefined ? { "retry-after": String(row.retryAfter) } : {};
  return new ApiError(row.status, row.type, row.message ?? message, headers, undefined, code);
}

/** A request over a limit of the work budget: 413 `limit_exceeded`, naming the limit. */
export function limitExceeded(limit: string, message: string): ApiError {
  return new ApiError(413, "limit_exceeded", `${message} (limit --${limit})`, {}, limit);
}

/** The limit a failed JSON Schema check names (a maxItems/maxLength/maxProperties), if any. */
export function schemaLimit(e: { keyword: string; instancePath: string }): string | undefined {
  if (e.keyword === "maxLength") return "max-text-length";
  if (e.keyword !== "maxItems" && e.keyword !== "maxProperties") return undefined;
  const parts = e.instancePath.split("/");
  const field = parts[1] === "parameters" ? parts[2] : parts[1];
  if (field === "labels" || field === "candidate_labels") return "max-labels";
  if (field === "templates") return "max-templates";
  if (field === "images") return "max-images";
  if (field === "input") return "max-texts";
  if (field === "descriptions") {
    return parts.length > 2 ? "max-descriptions" : "max-labels";
  }
  return undefined;
}

export const badRequest = (message: string) => new ApiError(400, "invalid_request", message);
export const payloadTooLarge = (message: string) => new ApiError(413, "payload_too_large", message);

/** A failed image of a single-image request, as the request's error (422 for a bad image). */
export function imageError(failure: InputFailure): ApiError {
  return codedApiError(failure.code, failure.error);
}

/** The status, type and message for any error that reaches the error handler. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZeroclipError) return codedApiError(err.code, errorMessage(err));
  const fe = err as Partial<FastifyError> & { validation?: unknown; limit?: string };
  if (fe.validation) {
    const message = fe.message ?? "invalid request";
    return fe.limit ? limitExceeded(fe.limit, message) : badRequest(message);
  }
  const status = fe.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError(status, fastifyErrorType(fe.code, status), fastifyMessage(fe));
  }
  return new ApiError(
    500,
    "internal_error",
    "internal server error (details are in the server log)",
  );
}

function fastifyErrorType(code: string | undefined, status: number): string {
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (code === "FST_ERR_CTP_INVALID_JSON_BODY" || code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
    return "invalid_json";
  }
  if (status === 408) return "timeout";
  return "invalid_request";
}

function fastifyMessage(fe: Partial<FastifyError>): string {
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "unsupported content type: send application/json (or multipart/form-data where a route takes files)";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "request body is larger than the server's limit";
    case "FST_REQ_FILE_TOO_LARGE":
      return "an uploaded file is larger than the server's limit";
    case "FST_FILES_LIMIT":
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return "too many multipart parts";
    default:
      return errorMessage(fe.message ?? "bad request");
  }
}

/** Send an error as JSON. */
export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  return reply
    .code(e.status)
    .headers(e.headers)
    .type("application/json; charset=utf-8")
    .send({
      error: {
        message: e.message,
        type: e.type,
        code: e.code,
        ...(e.limit ? { limit: e.limit } : {}),
      },
    } satisfies ErrorBody);
}

/** Install the error and not-found handlers. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const e = toApiError(err);
    if (e.status >= 500 && e.type === "internal_error")
      request.log.error({ err }, "request failed");
    else request.log.info({ status: e.status, type: e.type, reason: e.message }, "request refused");
    if (reply.sent || reply.raw.destroyed) return;
    return sendError(reply, e);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError(404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );
}

/** The `code` of an error body and of a per-input error record (docs/errors.md). */
export const ERROR_CODE_SCHEMA = {
  type: "string",
  description: "the error's stable code (docs/errors.md)",
} as const;

/** The error body schema, for route responses and OpenAPI. */
export const ERROR_SCHEMA = {
  $id: "Error",
  type: "object",
  description: 'Every error: `{"error": {"message", "type", "code"}}` (codes: docs/errors.md).',
  properties: {
    error: {
      type: "object",
      properties: {
        message: { type: "string" },
        type: { type: "string" },
        code: ERROR_CODE_SCHEMA,
        limit: { type: "string", description: "with limit_exceeded: the limit's flag" },
      },
      required: ["message", "type", "code"],
    },
  },
  required: ["error"],
} as const;
