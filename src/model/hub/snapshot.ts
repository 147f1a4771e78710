import { readFile } from "node:fs/promises";
import { ModelError, NetworkError } from "../../util/errors.js";
import { parseClipConfig } from "../config.js";
import { CONFIG_FILES, DTYPES, type Dtype, dtypesPresent, onnxFiles } from "../files.js";
import { checkRevision, RepoCache } from "./cache.js";
import { downloadBlob } from "./download.js";
import { type ErrorContext, HubClient } from "./http.js";
import type { DownloadProgress } from "./progress.js";
import { downloadProgress } from "./progress.js";
import { hubScoringScalars, type RememberedScalars } from "./scalars.js";
import { type HubOptions, type HubSettings, hubSettings } from "./settings.js";

export interface HubModelOptions extends HubOptions {
  dtype?: Dtype;
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** Download progress; default a bar on stderr when it is a terminal. */
  onProgress?: (p: DownloadProgress) => void;
  /** Status and warning lines ("waiting for another download", "using the cached …"). */
  onMessage?: (line: string) => void;
}

export interface HubSnapshot {
  repo: string;
  commit: string;
  /** snapshots/<commit> in the hub cache: a model directory. */
  dir: string;
  dtype: Dtype;
  /** Files fetched from the network in this call (empty when the cache had everything). */
  downloaded: string[];
  /**
   * A sigmoid family's logit_scale / logit_bias when the snapshot lacks onnx/model.onnx: read
   * from the remote file with Range requests, or remembered from an earlier run (hub/scalars.ts).
   */
  scalars: RememberedScalars;
}

/**
 * Hub repo ids: `org/name`, each part letters, digits, `_`, `-`, `.`, not starting or ending
 * with `-` or `.`, no `--` or `..` (the hub's rules), at most 96 characters.
 */
export function isRepoId(s: string): boolean {
  const part = /^[A-Za-z0-9_](?:[\w.-]{0,94}[A-Za-z0-9_])?$/;
  const parts = s.split("/");
  return (
    parts.length === 2 && parts.every((p) => part.test(p)) && !s.includes("--") && !s.includes("..")
  );
}

/**
 * A model directory for hub repo `repo`: the snapshot in the Hugging Face cache, downloading
 * what the dtype needs (config, preprocessor and tokenizer files, the two ONNX files) if it is
 * not there. Offline (option or HF_HUB_OFFLINE=1) the cache is used without any request. For
 * a SigLIP-family model, the scale and bias of onnx/model.onnx come along (see `scalars`).
 */
export async function fetchHubModel(
  repo: string,
  opts: HubModelOptions = {},
): Promise<HubSnapshot> {
  const snap = await fetchSnapshot(repo, opts);
  const s = hubSettings(opts);
  snap.scalars = await hubScoringScalars(s, repo, snap.commit, snap.dir);
  return snap;
}

async function fetchSnapshot(repo: string, opts: HubModelOptions): Promise<HubSnapshot> {
  if (!isRepoId(repo)) throw new ModelError(`not a hub repo id: ${repo}`, "model_not_found");
  const revision = opts.revision ?? "main";
  if (!checkRevision(revision))
    throw new ModelError(`not a valid revision: ${revision}`, "revision_not_found");
  const dtype = opts.dtype ?? "fp32";
  const s = hubSettings(opts);
  const cache = new RepoCache(s.cacheDir, repo);
  if (s.offline) return fromCache(cache, revision, dtype, s);

  // A pinned commit that is fully cached needs no request at all.
  const pinned = await cachedComplete(cache, revision, dtype);
  if (pinned && revision === pinned) return snapshot(cache, pinned, dtype, []);

  const client = new HubClient(s);
  const ctx: ErrorContext = { repo, revision };
  try {
    return await download(client, cache, ctx, dtype, s, opts);
  } catch (err) {
    if (err instanceof NetworkError && err.code === "network_unreachable") {
      // As huggingface_hub does: with the hub out of reach, a complete cached snapshot of the
      // revision is used (with a warning); HF_HUB_OFFLINE=1 skips the attempt altogether.
      const cached = await cachedComplete(cache, revision, dtype);
      if (cached) {
        opts.onMessage?.(
          `${err.message}; using the cached ${repo}@${cached.slice(0, 12)} (set HF_HUB_OFFLINE=1 to skip the network)`,
        );
        return snapshot(cache, cached, dtype, []);
      }
      throw new NetworkError(
        `${err.message} to download ${repo}; check the network or HF_ENDPOINT`,
        "network_unreachable",
      );
    }
    throw err;
  }
}

async function download(
  client: HubClient,
  cache: RepoCache,
  ctx: ErrorContext,
  dtype: Dtype,
  s: HubSettings,
  opts: HubModelOptions,
): Promise<HubSnapshot> {
  const info = await client.revisionInfo(ctx);
  const commit = info?.commit;
  const listed = info ? new Set(info.files) : undefined;
  const onnx = onnxFiles(dtype);

  if (listed && !listed.has("config.json"))
    throw new ModelError(
      `${ctx.repo} has no config.json: not a Transformers model repo`,
      "model_file_missing",
    );
  if (commit && (await cache.has(commit, "config.json"))) {
    // The warm path: a complete snapshot of the listed files needs no more requests.
    const want = [...CONFIG_FILES.required, onnx.text, onnx.vision];
    const optional = CONFIG_FILES.optional.filter((f) => listed?.has(f));
    if (await allCached(cache, commit, [...want, ...optional])) {
      await cache.writeRef(ctx.revision, commit);
      return snapshot(cache, commit, dtype, []);
    }
  }

  const bar = opts.onProgress ? undefined : downloadProgress();
  const job: Job = {
    client,
    cache,
    ctx,
    s,
    commit,
    downloaded: [],
    onProgress: opts.onProgress ?? bar?.update,
    onMessage: opts.onMessage,
  };
  try {
    // Config first: a repo that is not CLIP is refused before any ONNX byte is fetched.
    await fetchFile(job, "config.json", true);
    const commitHash = job.commit!;
    await checkClipConfig(cache, commitHash, ctx.repo);

    const available = listed ? dtypesPresent(listed) : undefined;
    if (available && !available.includes(dtype)) throw missingDtype(ctx.repo, dtype, available);

    for (const f of CONFIG_FILES.required) if (f !== "config.json") await fetchFile(job, f, true);
    for (const f of CONFIG_FILES.optional)
      if (!listed || listed.has(f)) await fetchFile(job, f, false);
    for (const f of [onnx.text, onnx.vision]) {
      if (!(await fetchFile(job, f, false))) {
        // No file list (a hub mirror without the API): probe the other dtypes for the message.
        const others: Dtype[] = [];
        for (const d of DTYPES) {
          const { text, vision } = onnxFiles(d);
          if (
            d !== dtype &&
            (await client.fileMeta({ ...ctx, path: text }, commitHash)) &&
            (await client.fileMeta({ ...ctx, path: vision }, commitHash))
          )
            others.push(d);
        }
        throw missingDtype(ctx.repo, dtype, others);
      }
    }
    await cache.writeRef(ctx.revision, commitHash);
    return snapshot(cache, commitHash, dtype, job.downloaded);
  } finally {
    bar?.stop();
  }
}

/** One model download in progress. */
interface Job {
  client: HubClient;
  cache: RepoCache;
  ctx: ErrorContext;
  s: HubSettings;
  /** Known once the API or the first HEAD has answered; every later file comes from it. */
  commit: string | undefined;
  downloaded: string[];
  onProgress?: (p: DownloadProgress) => void;
  onMessage?: (line: string) => void;
}

/** Make one file of the snapshot present; false when the repo has no such (optional) file. */
async function fetchFile(job: Job, path: string, required: boolean): Promise<boolean> {
  const { client, cache, ctx } = job;
  const meta = await client.fileMeta({ ...ctx, path }, job.commit ?? ctx.revision);
  if (!meta) {
    if (required)
      throw new ModelError(
        `${ctx.repo} has no ${path}: not a usable model repo`,
        "model_file_missing",
      );
    return false;
  }
  job.commit ??= meta.commit;
  if (await cache.has(meta.commit, path)) return true;
  let waiting = false;
  await downloadBlob({
    cache,
    client,
    meta,
    ctx: { ...ctx, path },
    retries: job.s.retries,
    stallTimeoutMs: job.s.stallTimeoutMs,
    onProgress: job.onProgress,
    onWait: () => {
      if (!waiting) job.onMessage?.(`waiting for another process downloading ${path}`);
      waiting = true;
    },
  });
  await cache.link(meta.commit, path, meta.etag);
  job.downloaded.push(path);
  return true;
}

/** The cached snapshot of a revision, without the network. */
async function fromCache(
  cache: RepoCache,
  revision: string,
  dtype: Dtype,
  s: HubSettings,
): Promise<HubSnapshot> {
  const commit = await cache.commitOf(revision);
  const at = revision === "main" ? "" : `@${revision}`;
  if (!commit || !(await cache.has(commit, "config.json")))
    throw new ModelError(
      `offline and ${cache.repo}${at} is not in the cache ${s.cacheDir}: run \`zeroclip pull ${cache.repo}${revision === "main" ? "" : ` --revision ${revision}`}\` with network first`,
      "model_not_cached",
    );
  const missing: string[] = [];
  for (const f of CONFIG_FILES.required) if (!(await cache.has(commit, f))) missing.push(f);
  if (missing.length > 0)
    throw new ModelError(
      `offline and the cached ${cache.repo}${at} lacks ${missing.join(", ")}: pull it again with network`,
      "model_not_cached",
    );
  const { text, vision } = onnxFiles(dtype);
  if (!(await cache.has(commit, text)) || !(await cache.has(commit, vision))) {
    const cached: Dtype[] = [];
    for (const d of DTYPES) {
      const f = onnxFiles(d);
      if ((await cache.has(commit, f.text)) && (await cache.has(commit, f.vision))) cached.push(d);
    }
    throw new ModelError(
      `offline and dtype ${dtype} of ${cache.repo}${at} is not cached (cached: ${cached.join(", ") || "none"}): run \`zeroclip pull ${cache.repo} --dtype ${dtype}\` with network first`,
      "model_not_cached",
    );
  }
  return snapshot(cache, commit, dtype, []);
}

/** The commit of a revision whose snapshot has everything `dtype` needs, if any. */
async function cachedComplete(
  cache: RepoCache,
  revision: string,
  dtype: Dtype,
): Promise<string | undefined> {
  const commit = await cache.commitOf(revision);
  if (!commit) return undefined;
  const { text, vision } = onnxFiles(dtype);
  return (await allCached(cache, commit, [...CONFIG_FILES.required, text, vision]))
    ? commit
    : undefined;
}

async function allCached(cache: RepoCache, commit: string, files: string[]): Promise<boolean> {
  for (const f of files) if (!(await cache.has(commit, f))) return false;
  return true;
}

async function checkClipConfig(cache: RepoCache, commit: string, repo: string): Promise<void> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(cache.pointer(commit, "config.json"), "utf8"));
  } catch (err) {
    throw new ModelError(`config.json of ${repo} is not valid JSON: ${(err as Error).message}`);
  }
  parseClipConfig(json, repo);
}

function missingDtype(repo: string, dtype: Dtype, available: readonly Dtype[]): ModelError {
  const { text, vision } = onnxFiles(dtype);
  return new ModelError(
    available.length > 0
      ? `${repo} has no ${dtype} ONNX files (${text}, ${vision}); available dtypes: ${available.join(", ")} (use --dtype)`
      : `${repo} has no ONNX files in the Transformers.js layout (onnx/text_model*.onnx, onnx/vision_model*.onnx)`,
    "model_file_missing",
  );
}

function snapshot(
  cache: RepoCache,
  commit: string,
  dtype: Dtype,
  downloaded: string[],
): HubSnapshot {
  return { repo: cache.repo, commit, dir: cache.snapshot(commit), dtype, downloaded, scalars: {} };
}
