/** Running the CLI with test/support/observe-hook.ts preloaded, and reading what it saw. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface Observed {
  event: "worker-start" | "open" | "session";
  thread: number;
  path?: string;
  intraOpNumThreads?: number | null;
  threadsAdded?: number | null;
}

const hook = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "observe-hook.js")).href;

/** Environment for `runCli` that preloads the hook, logging to `log` (crashing on `crashOn`). */
export function observeEnv(log: string, crashOn?: string): NodeJS.ProcessEnv {
  const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : "";
  return {
    NODE_OPTIONS: `${inherited}--import=${hook}`,
    ZEROCLIP_OBSERVE_LOG: log,
    ZEROCLIP_OBSERVE_CRASH: crashOn,
  };
}

/** The events the hook logged. */
export function readObserved(log: string): Observed[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Observed);
}
