import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";

/** A held lock; `release` is safe to call twice. */
export interface Lock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** A lock whose holder has not refreshed it for this long is stale (default 30 s). */
  staleMs?: number;
  /** How often the holder refreshes its lock (default staleMs / 4). */
  heartbeatMs?: number;
  /** Poll interval while waiting (default 100 ms). */
  pollMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: () => void;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

/**
 * Take an exclusive lock file between processes (and between callers in one process).
 *
 * The file is created with its content in one step (written to a unique name, then hard-linked
 * to the lock name, which fails if it exists — O_EXCL semantics that also hold on NFS). The
 * holder touches it every heartbeat; a lock is stale when its holder is a dead process on this
 * host or it has not been touched for `staleMs`. A stale lock is moved aside under a unique name
 * before it is deleted, so two waiters cannot both break it and then delete each other's lock.
 */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<Lock> {
  const staleMs = opts.staleMs ?? 30_000;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(50, staleMs / 4);
  const pollMs = opts.pollMs ?? 100;
  const owner: Owner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString("hex"),
  };
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${owner.token}.tmp`;
  await writeFile(tmp, JSON.stringify(owner));
  let waited = false;
  try {
    for (;;) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      if (await breakIfStale(path, staleMs)) continue;
      if (!waited) {
        waited = true;
        opts.onWait?.();
      }
      await sleep(pollMs);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // Remove the lock only if it is still ours.
      const current = await readOwner(path);
      if (current?.token === owner.token) await rm(path, { force: true });
    },
  };
}

async function breakIfStale(path: string, staleMs: number): Promise<boolean> {
  const [owner, info] = await Promise.all([readOwner(path), stat(path).catch(() => undefined)]);
  if (!info) return true; // released meanwhile: try again at once
  const deadHolder = owner !== undefined && owner.host === hostname() && !isAlive(owner.pid);
  const silent = Date.now() - info.mtimeMs > staleMs;
  if (!deadHolder && !silent) return false;
  const aside = `${path}.${randomBytes(8).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return true; // someone else broke it first
  }
  const moved = await readOwner(aside);
  if (owner && moved && moved.token !== owner.token) {
    // We moved a fresh lock taken after our check: put it back unless a new one exists.
    await link(aside, path).catch(() => {});
  }
  await rm(aside, { force: true });
  return true;
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await readFile(path, "utf8")) as Owner;
    return typeof o.pid === "number" && typeof o.token === "string" ? o : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
