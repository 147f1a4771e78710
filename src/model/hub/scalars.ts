/**
 * SigLIP's `logit_scale` / `logit_bias` for a hub model without downloading the ~800 MB
 * `onnx/model.onnx` that holds them: the same protobuf scan as for a local file
 * (model/onnx-scalars.ts), over HTTP Range requests, remembered in zeroclip's own cache
 * (`<zeroclip cache>/hub-scalars/models--org--name/<commit>.json`, never inside the Hugging Face
 * blob store) so later runs, and offline ones, make no request.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { getRepoFolderName } from "@huggingface/hub";
import { writeFileAtomic } from "../../util/atomic.js";
import { NetworkError, ZeroclipError } from "../../util/errors.js";
import { readClipConfig } from "../config.js";
import { type ByteRanges, scanScalarInitializers } from "../onnx-scalars.js";
import { type ErrorContext, type FileMeta, HubClient } from "./http.js";
import type { HubSettings } from "./settings.js";

/** The joint graph of a Transformers.js export (as model/scoring.ts's FULL_MODEL_FILE). */
const FULL_MODEL = "onnx/model.onnx";
/** The initializers a sigmoid family scores with. */
export const SCORING_INITIALIZERS = ["logit_scale", "logit_bias"] as const;

/** What the hub resolution knows of the scoring initializers of a snapshot. */
export interface RememberedScalars {
  /** Initializer name → value, as stored (logit_scale is the log of the multiplier). */
  values?: Record<string, number>;
  /** Why values are missing, for the one-line error when probabilities are asked for. */
  problem?: string;
}

interface MemoRecord {
  repo: string;
  commit: string;
  path: string;
  etag: string;
  size: number;
  values: Record<string, number>;
}

/** The hub server ignored or refused a Range request. */
class NoRangeSupport extends NetworkError {}

/**
 * HTTP Range reads of one remote file as ByteRanges; `requests` counts them. Only a 206 answer
 * for exactly the asked range is accepted.
 */
export function remoteRanges(
  client: HubClient,
  meta: FileMeta,
  ctx: ErrorContext & { path: string },
): ByteRanges & { requests: number } {
  const ranges = {
    size: meta.size,
    requests: 0,
    read: async (pos: number, length: number): Promise<Uint8Array> => {
      const end = Math.min(pos + length, meta.size) - 1;
      ranges.requests++;
      const res = await client.range(meta.url, pos, end);
      if (res.status === 200 || res.status === 416) {
        await res.body?.cancel();
        throw new NoRangeSupport(`${new URL(meta.url).origin} does not answer Range requests`);
      }
      if (res.status !== 206) throw await client.error(res, ctx);
      const m = /^bytes (\d+)-(\d+)\//.exec(res.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== pos || Number(m[2]) !== end) {
        await res.body?.cancel();
        throw new NoRangeSupport(`${new URL(meta.url).origin} answered another byte range`);
      }
      const body = new Uint8Array(await res.arrayBuffer());
      if (body.length !== end - pos + 1)
        throw new NetworkError(`short answer for bytes ${pos}-${end} of ${ctx.repo}/${ctx.path}`);
      return body;
    },
  };
  return ranges;
}

/** zeroclip's cache of scalars read from hub files, one JSON record per repo commit. */
function memoFile(s: HubSettings, repo: string, commit: string): string {
  return join(s.scalarsDir, getRepoFolderName({ type: "model", name: repo }), `${commit}.json`);
}

async function readMemo(file: string): Promise<MemoRecord | undefined> {
  try {
    const rec = JSON.parse(await readFile(file, "utf8")) as MemoRecord;
    const ok =
      rec && typeof rec.values === "object" && Object.values(rec.values).every(Number.isFinite);
    return ok ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** A record of another commit of the repo for the same file content (same etag). */
async function memoByEtag(s: HubSettings, repo: string, etag: string) {
  const dir = join(s.scalarsDir, getRepoFolderName({ type: "model", name: repo }));
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter((x) => x.endsWith(".json")).slice(0, 100)) {
    const rec = await readMemo(join(dir, n));
    if (rec?.etag === etag && rec.path === FULL_MODEL) return rec;
  }
  return undefined;
}

/**
 * The scoring initializers of hub snapshot `dir` (repo `repo` at `commit`) when its family
 * scores with a sigmoid and the snapshot lacks onnx/model.onnx: remembered, else (online)
 * read from the remote file with Range requests and remembered. Never throws for a network or
 * server problem: the reason comes back as `problem` (embeddings need neither value).
 */
export async function hubScoringScalars(
  s: HubSettings,
  repo: string,
  commit: string,
  dir: string,
  listed?: ReadonlySet<string>,
): Promise<RememberedScalars> {
  const family = (await readClipConfig(dir).catch(() => undefined))?.family;
  if (family?.scoring !== "sigmoid" || existsSync(join(dir, ...FULL_MODEL.split("/")))) return {};
  const file = memoFile(s, repo, commit);
  const memo = await readMemo(file);
  if (memo) return { values: memo.values };
  const absent = `${repo} has no ${FULL_MODEL}`;
  if (listed && !listed.has(FULL_MODEL)) return { problem: absent };
  if (s.offline)
    return {
      problem: `offline, and the logit scale and bias of ${repo} (in its ${FULL_MODEL}) were never read: run \`zeroclip pull ${repo}\` with network once`,
    };
  const client = new HubClient(s);
  const ctx = { repo, revision: commit, path: FULL_MODEL };
  try {
    const meta = await client.fileMeta(ctx, commit);
    if (!meta) return { problem: absent };
    const known = await memoByEtag(s, repo, meta.etag);
    let values = known?.values;
    if (!values) {
      const ranges = remoteRanges(client, meta, ctx);
      const found = await scanScalarInitializers(
        ranges,
        SCORING_INITIALIZERS,
        `${repo}/${FULL_MODEL}`,
      );
      values = Object.fromEntries(found);
    }
    const rec: MemoRecord = {
      repo,
      commit,
      path: FULL_MODEL,
      etag: meta.etag,
      size: meta.size,
      values,
    };
    await writeFileAtomic(file, `${JSON.stringify(rec)}\n`);
    return { values };
  } catch (err) {
    if (!(err instanceof ZeroclipError)) throw err;
    const why = err instanceof NoRangeSupport ? `${err.message}, so` : `${err.message};`;
    return {
      problem: `${why} ${FULL_MODEL} of ${repo} could not be read without downloading it`,
    };
  }
}
