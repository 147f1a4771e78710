/** Exit codes of the CLI. */
export const EXIT = { ok: 0, inputsFailed: 1, usage: 2, model: 3, network: 4 } as const;

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
