import { homedir } from "node:os";
import { join } from "node:path";

/**
 * zeroclip's own cache root (LLM answers, class and image embeddings):
 * `$ZEROCLIP_CACHE`, else `$XDG_CACHE_HOME/zeroclip`, else `~/.cache/zeroclip`.
 * Models live in the Hugging Face hub cache instead (see model/hub).
 */
export function zeroclipCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZEROCLIP_CACHE) return env.ZEROCLIP_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "zeroclip");
}
