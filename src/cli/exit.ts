/** Exit codes of the CLI. */
import { type ErrorCode, type ErrorKind, kindOf } from "../util/error-codes.js";

export const EXIT = { ok: 0, inputsFailed: 1, usage: 2, model: 3, network: 4 } as const;

/** The exit code of each kind of error code: the CLI exits by an error's code, as serve answers. */
const EXIT_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  input: EXIT.inputsFailed,
  usage: EXIT.usage,
  model: EXIT.model,
  network: EXIT.network,
  service: EXIT.inputsFailed,
};

/** The exit code of a run stopped by an error with this code. */
export function exitCodeOf(code: ErrorCode): number {
  return EXIT_BY_KIND[kindOf(code)];
}

let pending: number = EXIT.ok;

/** A command's action records its exit code here; main() returns it. */
export function setExitCode(code: number): void {
  pending = code;
}

export function takeExitCode(): number {
  const c = pending;
  pending = EXIT.ok;
  return c;
}
