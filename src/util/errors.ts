/**
 * Errors a user can cause. The CLI prints these as one line (no stack); anything else is a bug
 * and keeps its stack.
 */
export class ZeroclipError extends Error {
  override name = "ZeroclipError";
}

/** A bad input item: unreadable file, corrupt image, unreachable URL, too many pixels. */
export class InputError extends ZeroclipError {
  override name = "InputError";
}

/** A model directory or repo that cannot be used: missing files, wrong architecture, bad dtype. */
export class ModelError extends ZeroclipError {
  override name = "ModelError";
}

/** Wrong command-line or API usage: missing labels, conflicting flags, malformed files. */
export class UsageError extends ZeroclipError {
  override name = "UsageError";
}

/** A remote service failed: the hub, an LLM endpoint. */
export class NetworkError extends ZeroclipError {
  override name = "NetworkError";
}

/** The message of any thrown value, as one line. */
export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, " ").trim();
}
