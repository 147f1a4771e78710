/** The resolve hook of load-log-hook.ts: appends each resolved file path to the log. */
import { appendFileSync } from "node:fs";
import type { InitializeHook, ResolveHook } from "node:module";
import { fileURLToPath } from "node:url";

let log: string | undefined;

export const initialize: InitializeHook<{ log: string }> = (data) => {
  log = data.log;
};

export const resolve: ResolveHook = async (specifier, context, next) => {
  const result = await next(specifier, context);
  if (log && result.url.startsWith("file:")) appendFileSync(log, fileURLToPath(result.url) + "\n");
  return result;
};
