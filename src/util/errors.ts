/**
 * Errors a user can cause. The CLI prints these as one line (no stack); anything else is a bug
 * and keeps its stack. Each carries a stable `code` (util/error-codes.ts, docs/errors.md): the
 * class's default, or a finer one where a caller, the server or the CLI must tell cases apart.
 */
import {
  type ErrorCode,
  type InputErrorCode,
  kindOf,
  type ModelErrorCode,
  type NetworkErrorCode,
  type UsageErrorCode,
} from "./error-codes.js";

export class ZeroclipError extends Error {
  override name = "ZeroclipError";
  constructor(
    message: string,
    /** The stable code: decide by this, never by the message. */
    readonly code: ErrorCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A bad input item: unreadable file, corrupt image, unreachable URL, too many pixels. */
export class InputError extends ZeroclipError {
  override name = "InputError";
  declare readonly code: InputErrorCode;
  constructor(message: string, code: InputErrorCode = "input_invalid", options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** A model directory or repo that cannot be used: missing files, wrong architecture, bad dtype. */
export class ModelError extends ZeroclipError {
  override name = "ModelError";
  declare readonly code: ModelErrorCode;
  constructor(message: string, code: ModelErrorCode = "model_invalid", options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** Wrong command-line or API usage: missing labels, conflicting flags, malformed files. */
export class UsageError extends ZeroclipError {
  override name = "UsageError";
  declare readonly code: UsageErrorCode;
  constructor(message: string, code: UsageErrorCode = "usage", options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** A remote service failed: the hub, an LLM endpoint. */
export class NetworkError extends ZeroclipError {
  override name = "NetworkError";
  declare readonly code: NetworkErrorCode;
  constructor(message: string, code: NetworkErrorCode = "network", options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** The message of any thrown value, as one line. */
export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, " ").trim();
}

/** The code of any thrown value: a `ZeroclipError`'s own, else `fallback`. */
export function errorCode(err: unknown, fallback: ErrorCode = "internal_error"): ErrorCode {
  return err instanceof ZeroclipError ? err.code : fallback;
}

/**
 * Why one input failed, as per-input records carry it: the stable `code` and the one-line
 * message, in the field `error` (its name before codes existed, kept for the clients that read it).
 */
export interface InputFailure {
  code: ErrorCode;
  error: string;
}

/** A thrown value as an input's failure record; `fallback` is the code of a non-zeroclip error. */
export function inputFailure(err: unknown, fallback: ErrorCode = "internal_error"): InputFailure {
  return { code: errorCode(err, fallback), error: errorMessage(err) };
}

/** A failure record as the error of its code's class, to throw where one input is the whole call. */
export function failureError(f: InputFailure): ZeroclipError {
  switch (kindOf(f.code)) {
    case "input":
      return new InputError(f.error, f.code as InputErrorCode);
    case "model":
      return new ModelError(f.error, f.code as ModelErrorCode);
    case "usage":
      return new UsageError(f.error, f.code as UsageErrorCode);
    case "network":
      return new NetworkError(f.error, f.code as NetworkErrorCode);
    default:
      return new ZeroclipError(f.error, f.code);
  }
}
