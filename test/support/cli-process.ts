/**
 * A long-running CLI child process (a submitter, a worker) whose output is read while it runs:
 * wait for a line, signal it, await its exit. Every process is killed after `timeoutMs`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cliPath } from "./paths.js";

export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once stderr matches `pattern` (rejects if the process exits first or in `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 180_000,
): CliProcess {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const l of listeners) l();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exited = new Promise<number | null>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      for (const l of listeners) l();
      resolve(code);
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = stderr.match(pattern);
          if (m) done(() => resolve(m));
          else if (child.exitCode !== null || child.signalCode !== null) {
            done(() => reject(new Error(`exited before ${pattern}: ${stderr}`)));
          }
        };
        const t = setTimeout(
          () => done(() => reject(new Error(`no ${pattern} in ${ms} ms: ${stderr}`))),
          ms,
        );
        const done = (f: () => void) => {
          clearTimeout(t);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
  };
}
