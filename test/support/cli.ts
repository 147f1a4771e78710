/**
 * Running the CLI from tests. `runCli` runs it in this process (the compiled `main(argv)` of
 * src/cli/main.ts, its stdout and stderr captured, `env` laid over process.env for the run), so
 * a test pays the CLI's imports once, not once per run; `runCliProcess` starts the built CLI
 * (bin/zeroclip.js) as its own process, for what only a process shows: start-up, signals, exit
 * status, argv limits, stdin, what a run leaves behind. ZEROCLIP_TEST_CLI=process makes
 * `runCli` start processes too (to check both paths give the same results).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { cliPath } from "./paths.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the CLI with arguments and resolve with its exit code and output. In this process unless
 * ZEROCLIP_TEST_CLI=process; runs never overlap (each waits for the one before), since the
 * environment is process-wide.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliRun> {
  if (process.env.ZEROCLIP_TEST_CLI === "process") return runCliProcess(args, env, timeoutMs);
  const run = queue.then(() => runInProcess(args, env, timeoutMs));
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

/** Run the built CLI (bin/zeroclip.js) as a child process; never inherits a TTY. */
export function runCliProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parse jsonl output into records. */
export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

interface Capture {
  stdout: Buffer[];
  stderr: Buffer[];
}

let queue: Promise<unknown> = Promise.resolve();
/** The output of the in-process run whose async context a write happens in. */
const capture = new AsyncLocalStorage<Capture>();
let captureInstalled = false;

/**
 * Writes to process.stdout / process.stderr made inside a run (its async context) go to that
 * run's buffers; every other write (the test runner's own) goes through as before.
 */
function installCapture(): void {
  if (captureInstalled) return;
  captureInstalled = true;
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
      const into = capture.getStore();
      if (!into) return write(chunk, encoding, cb);
      const done = typeof encoding === "function" ? encoding : cb;
      const enc = typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8";
      into[name].push(
        typeof chunk === "string" ? Buffer.from(chunk, enc) : Buffer.from(chunk as Uint8Array),
      );
      if (typeof done === "function") process.nextTick(done as () => void);
      return true;
    }) as typeof stream.write;
  }
}

let mainModule: Promise<{ main(argv: string[]): Promise<number> }> | undefined;

async function runInProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CliRun> {
  installCapture();
  // The compiled CLI beside the compiled tests (dist/test/support → dist/src/cli).
  mainModule ??= import(new URL("../../src/cli/main.js", import.meta.url).href);
  const { main } = await mainModule;
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env)) {
    saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const out: Capture = { stdout: [], stderr: [] };
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await capture.run(out, () =>
      Promise.race([
        // As bin/zeroclip.js: an error that is not a ZeroclipError is printed whole, exit 70.
        main(args).catch((err: unknown) => {
          process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
          return 70;
        }),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => {
            process.stderr.write(`zeroclip test: still running after ${timeoutMs} ms\n`);
            resolve(null);
          }, timeoutMs);
        }),
      ]),
    );
    return {
      code,
      stdout: Buffer.concat(out.stdout).toString("utf8"),
      stderr: Buffer.concat(out.stderr).toString("utf8"),
    };
  } finally {
    clearTimeout(timer);
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
