/**
 * A preload (`NODE_OPTIONS=--import=<this file's URL>`, see `loadLogEnv` in load-log.ts) that
 * writes every file a process loads to `$ZEROCLIP_LOAD_LOG`, one path a line: each ES module
 * resolution as it happens (through the resolve hook in load-log-resolve.ts, which sees every
 * `import` and `import()` zeroclip makes, of ES and CommonJS packages alike), and at exit every
 * CommonJS module in require's cache (which holds what CommonJS packages `require` in turn).
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { isMainThread } from "node:worker_threads";

const log = process.env.ZEROCLIP_LOAD_LOG;
if (log && isMainThread) {
  register("./load-log-resolve.js", import.meta.url, { data: { log } });
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => {
    appendFileSync(log, Object.keys(cache).join("\n") + "\n");
  });
}
