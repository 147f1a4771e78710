import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { NetworkError } from "../../util/errors.js";
import type { RepoCache } from "./cache.js";
import { type ErrorContext, type FileMeta, type HubClient, transportReason } from "./http.js";
import { acquireLock } from "./lock.js";
import type { DownloadProgress } from "./progress.js";

export interface BlobDownload {
  cache: RepoCache;
  client: HubClient;
  meta: FileMeta;
  ctx: ErrorContext & { path: string };
  /** Times a broken transfer is resumed before giving up. */
  retries: number;
  stallTimeoutMs: number;
  onProgress?: (p: DownloadProgress) => void;
  /** Called when another process holds the download and we wait for it. */
  onWait?: () => void;
}

/** The downloaded bytes did not match the size or hash the hub gave. */
class VerifyError extends Error {
  constructor(
    message: string,
    /** True when part of the bytes came from an earlier, resumed transfer. */
    readonly resumed: boolean,
  ) {
    super(message);
  }
}

/** A transfer broke after `gained` new bytes. */
class Interrupted extends NetworkError {
  constructor(
    message: string,
    readonly gained: number,
  ) {
    super(message);
  }
}

/**
 * Make blobs/<etag> present and verified. The bytes go to blobs/<etag>.incomplete (resumed
 * with a Range request if a previous run left one), are checked against the size and the
 * ETag (sha256 of an LFS file, git blob sha1 of a small file) and only then renamed into place,
 * so a blob that exists is always whole. A lock file keeps two processes from writing the
 * same .incomplete.
 */
export async function downloadBlob(d: BlobDownload): Promise<void> {
  const blob = d.cache.blob(d.meta.etag);
  if (await sizeIs(blob, d.meta.size)) return;
  await mkdir(dirname(blob), { recursive: true });
  const lock = await acquireLock(d.cache.lock(d.meta.etag), { onWait: d.onWait });
  try {
    if (await sizeIs(blob, d.meta.size)) return; // another process finished it meanwhile
    await rm(blob, { force: true }); // wrong size: not the blob its name promises
    let retriesLeft = d.retries;
    let restarted = false;
    for (;;) {
      try {
        await transfer(d, blob);
        return;
      } catch (err) {
        if (err instanceof VerifyError) {
          await rm(`${blob}.incomplete`, { force: true });
          // Leftover bytes may be what was wrong: start once from zero before blaming the hub.
          if (err.resumed && !restarted) {
            restarted = true;
            continue;
          }
          throw new NetworkError(`${err.message}; the file was not kept, try again`);
        }
        if (err instanceof Interrupted && err.gained > 0 && retriesLeft > 0) {
          retriesLeft--;
          continue;
        }
        throw err;
      }
    }
  } finally {
    await lock.release();
  }
}

async function transfer(d: BlobDownload, blob: string): Promise<void> {
  const { meta, ctx } = d;
  const incomplete = `${blob}.incomplete`;
  let start = (await stat(incomplete).catch(() => undefined))?.size ?? 0;
  if (start > meta.size) {
    await rm(incomplete, { force: true });
    start = 0;
  }
  let hash = newHash(meta);
  if (start > 0) await hashPrefix(incomplete, start, hash);
  if (start === meta.size && start > 0) {
    await finish(d, incomplete, blob, start, hash, true);
    return;
  }

  const ac = new AbortController();
  let stall: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(stall);
    stall = setTimeout(
      () => ac.abort(Object.assign(new Error("stalled"), { name: "TimeoutError" })),
      d.stallTimeoutMs,
    );
  };
  arm();
  let loaded = start;
  let resumed = start > 0;
  try {
    const res = await d.client.download(meta.url, start, ac.signal);
    if (res.status === 416 || (res.status === 206 && !rangeStartsAt(res, start))) {
      await res.body?.cancel();
      await rm(incomplete, { force: true });
      throw new VerifyError(`the hub refused to resume ${ctx.path}`, true);
    }
    if (res.status === 200 && start > 0) {
      // The server ignored the Range header: start over.
      start = loaded = 0;
      resumed = false;
      hash = newHash(meta);
    } else if (res.status !== 200 && res.status !== 206) {
      throw await d.client.error(res, ctx);
    }
    if (!res.body) throw new NetworkError(`empty answer for ${ctx.repo}/${ctx.path}`);
    const file = await open(incomplete, start > 0 ? "a" : "w");
    try {
      d.onProgress?.({ file: ctx.path, loaded, total: meta.size });
      const chunks = (res.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (err) {
          const reason = transportReason(ac.signal.reason ?? err);
          throw interrupted(ctx, loaded, meta.size, loaded - start, reason);
        }
        if (next.done) break;
        arm();
        loaded += next.value.length;
        if (loaded > meta.size) {
          throw new VerifyError(
            `${ctx.repo}/${ctx.path}: the hub sent more than the ${meta.size} bytes it announced`,
            resumed,
          );
        }
        hash.update(next.value);
        await file.write(next.value);
        d.onProgress?.({ file: ctx.path, loaded, total: meta.size });
      }
      await file.sync();
    } finally {
      await file.close();
    }
  } finally {
    clearTimeout(stall);
    ac.abort(); // frees the connection if we stopped reading early
  }
  if (loaded < meta.size)
    throw interrupted(ctx, loaded, meta.size, loaded - start, "connection closed early");
  await finish(d, incomplete, blob, loaded, hash, resumed);
}

function interrupted(
  ctx: ErrorContext & { path: string },
  loaded: number,
  size: number,
  gained: number,
  reason: string,
): Interrupted {
  return new Interrupted(
    `download of ${ctx.repo}/${ctx.path} interrupted after ${loaded} of ${size} bytes (${reason}); run again to resume`,
    gained,
  );
}

async function finish(
  d: BlobDownload,
  incomplete: string,
  blob: string,
  size: number,
  hash: Verifier,
  resumed: boolean,
): Promise<void> {
  const where = `${d.ctx.repo}/${d.ctx.path}`;
  if (size !== d.meta.size)
    throw new VerifyError(`${where} has ${size} bytes, the hub announced ${d.meta.size}`, resumed);
  const digest = hash.digest();
  if (digest !== undefined && digest !== d.meta.etag)
    throw new VerifyError(`${where} does not match its checksum ${d.meta.etag}`, resumed);
  await rename(incomplete, blob);
}

interface Verifier {
  update(chunk: Uint8Array): void;
  /** Hex digest comparable with the ETag, or undefined when the ETag is no known hash. */
  digest(): string | undefined;
}

/** sha256 for a 64-hex ETag (LFS), git's blob sha1 for a 40-hex one, nothing otherwise. */
function newHash(meta: FileMeta): Verifier {
  let h: Hash | undefined;
  if (/^[0-9a-f]{64}$/.test(meta.etag)) h = createHash("sha256");
  else if (/^[0-9a-f]{40}$/.test(meta.etag)) h = createHash("sha1").update(`blob ${meta.size}\0`);
  return {
    update: (c) => h?.update(c),
    digest: () => h?.digest("hex"),
  };
}

async function hashPrefix(path: string, bytes: number, hash: Verifier): Promise<void> {
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 }))
    hash.update(chunk as Buffer);
}

function rangeStartsAt(res: Response, start: number): boolean {
  const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
  return m !== null && Number(m[1]) === start;
}

async function sizeIs(path: string, size: number): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() === true && s.size === size;
}
