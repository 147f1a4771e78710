/**
 * A preload module for tests that need to see inside a zeroclip process without hooks in the
 * production code: run the CLI with `NODE_OPTIONS=--import=<this file's URL>` (see
 * `observeEnv` in observe.ts). Worker threads inherit the preload, so it runs in each of them
 * too. It appends JSON lines to `$ZEROCLIP_OBSERVE_LOG`:
 * - `{"event":"worker-start","thread":N}` when a worker thread starts;
 * - `{"event":"open","thread":N,"path":…}` when a worker thread opens a file (fs/promises'
 *   `open` or fs's `openSync`);
 * - `{"event":"session","intraOpNumThreads":N,"threadsAdded":M}` when the main thread creates an
 *   onnxruntime session: the thread count asked for, and how many OS threads (Linux
 *   /proc/self/task) the process gained while the session was created.
 * With `$ZEROCLIP_OBSERVE_CRASH` set, a worker thread that opens a file whose path contains that
 * text exits at once (code 13), as a decoder crash on that input would end it.
 */
import fs, { appendFileSync, existsSync, readdirSync } from "node:fs";
import fsp from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { isMainThread, threadId } from "node:worker_threads";

const logFile = process.env.ZEROCLIP_OBSERVE_LOG;
const crashOn = process.env.ZEROCLIP_OBSERVE_CRASH;

function record(event: Record<string, unknown>): void {
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ ...event, thread: threadId })}\n`);
}

function osThreads(): number | null {
  return existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : null;
}

type Create = (...args: unknown[]) => Promise<unknown>;

if (isMainThread) {
  const ort = createRequire(import.meta.url)("onnxruntime-node") as {
    InferenceSession: { create: Create };
  };
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as Create;
  ort.InferenceSession.create = async (...args: unknown[]) => {
    const before = osThreads();
    const session = await create(...args);
    const after = osThreads();
    const opts = args.find((a, i) => i > 0 && typeof a === "object" && a !== null) as
      | { intraOpNumThreads?: number }
      | undefined;
    record({
      event: "session",
      intraOpNumThreads: opts?.intraOpNumThreads ?? null,
      threadsAdded: before === null || after === null ? null : after - before,
    });
    return session;
  };
} else {
  record({ event: "worker-start" });
  const opened = (path: unknown) => {
    record({ event: "open", path: String(path) });
    if (crashOn && String(path).includes(crashOn)) process.exit(13);
  };
  const open = fsp.open;
  fsp.open = ((path: Parameters<typeof open>[0], ...rest: unknown[]) => {
    opened(path);
    return (open as (...a: unknown[]) => ReturnType<typeof open>)(path, ...rest);
  }) as typeof open;
  // The workers read image files with blocking calls (src/image/source.ts). Node's own
  // appendFileSync opens through fs.openSync too: the log file itself is not an event.
  const openSync = fs.openSync;
  fs.openSync = ((path: Parameters<typeof openSync>[0], ...rest: unknown[]) => {
    if (String(path) !== logFile) opened(path);
    return (openSync as (...a: unknown[]) => number)(path, ...rest);
  }) as typeof openSync;
  // Named imports of node:fs and node:fs/promises (`import { open }`) see the wrappers too.
  syncBuiltinESMExports();
}
