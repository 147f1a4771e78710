import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { getHFHubCachePath } from "@huggingface/hub";
import { zeroclipCacheDir } from "../../util/cache-dir.js";
import { UsageError } from "../../util/errors.js";

/** Where and how to reach the hub; every field can be given explicitly or comes from the environment. */
export interface HubOptions {
  /** Hub base URL; default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Token for gated or private repos ("" for none); default `$HF_TOKEN`, else the `hf auth login` file. */
  token?: string;
  /** The hub cache; default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Cache only, never the network; default `$HF_HUB_OFFLINE`. */
  offline?: boolean;
  /** fetch to use (tests, proxies). */
  fetch?: typeof fetch;
  /** Times a broken transfer is resumed within one call before giving up (default 3). */
  retries?: number;
  /**
   * Where SigLIP scale/bias values read from hub files are remembered (zeroclip's cache, not
   * the hub cache); default `<zeroclip cache>/hub-scalars`.
   */
  scalarsDir?: string;
}

export interface HubSettings {
  endpoint: string;
  /** Read lazily: only a run that goes online looks at the token. */
  token: () => string | undefined;
  cacheDir: string;
  scalarsDir: string;
  offline: boolean;
  fetch: typeof fetch;
  retries: number;
  /** Time limit of metadata requests (HEAD, API), ms. */
  metadataTimeoutMs: number;
  /** A download is abandoned when no byte arrives for this long, ms. */
  stallTimeoutMs: number;
}

export const DEFAULT_ENDPOINT = "https://huggingface.co";

const TRUE = new Set(["1", "on", "yes", "true"]);

/** huggingface_hub's reading of boolean environment variables. */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && TRUE.has(value.trim().toLowerCase());
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && n > 0 ? n * 1000 : fallback * 1000;
}

/** The token the way huggingface_hub finds it: HF_TOKEN, then the file `hf auth login` writes. */
function tokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv !== undefined) return fromEnv.trim() || undefined;
  const home = expandHome(
    env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface"),
  );
  const file = env.HF_TOKEN_PATH ? expandHome(env.HF_TOKEN_PATH) : join(home, "token");
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export function hubSettings(opts: HubOptions = {}): HubSettings {
  const env = process.env;
  const endpoint = (opts.endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT)).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`HF_ENDPOINT is not a URL: ${endpoint}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL: ${endpoint}`);
  // An explicit token ("" for none) wins; else the environment, read on first use.
  let token: string | undefined | null = opts.token === undefined ? null : opts.token || undefined;
  return {
    endpoint,
    token: () => {
      if (token === null) token = tokenFromEnv(env);
      return token;
    },
    cacheDir: expandHome(opts.cacheDir ?? getHFHubCachePath()),
    scalarsDir: opts.scalarsDir ?? join(zeroclipCacheDir(env), "hub-scalars"),
    offline: opts.offline === true || envFlag(env.HF_HUB_OFFLINE),
    fetch: opts.fetch ?? fetch,
    retries: opts.retries ?? 3,
    metadataTimeoutMs: seconds(env.HF_HUB_ETAG_TIMEOUT, 10),
    stallTimeoutMs: seconds(env.HF_HUB_DOWNLOAD_TIMEOUT, 10),
  };
}
