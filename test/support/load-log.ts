/** Running the CLI with test/support/load-log-hook.ts preloaded, and reading which packages it loaded. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const hook = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "load-log-hook.js")).href;

/** Environment for `runCli` that preloads the hook, logging to `log`. */
export function loadLogEnv(log: string): NodeJS.ProcessEnv {
  const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : "";
  return { NODE_OPTIONS: `${inherited}--import=${hook}`, ZEROCLIP_LOAD_LOG: log };
}

/** The npm packages (by name, e.g. "fastify", "@huggingface/hub") whose files the log holds. */
export function loadedPackages(log: string): Set<string> {
  const names = new Set<string>();
  if (!existsSync(log)) return names;
  const marker = `${sep}node_modules${sep}`;
  for (const path of readFileSync(log, "utf8").split("\n")) {
    const at = path.lastIndexOf(marker);
    if (at < 0) continue;
    const parts = path.slice(at + marker.length).split(sep);
    names.add(parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  return names;
}

/** The heavy dependencies: servers, queues, stores, inference, decoding, LLM and hub clients. */
export const HEAVY_PACKAGES: readonly string[] = [
  "fastify",
  "bullmq",
  "ioredis",
  "pg",
  "better-sqlite3",
  "usearch",
  "onnxruntime-node",
  "sharp",
  "openai",
  "@huggingface/hub",
  "@huggingface/tokenizers",
  "ml-matrix",
  "prom-client",
  "chart.js",
];
