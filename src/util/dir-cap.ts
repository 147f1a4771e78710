/**
 * A size cap for an on-disk cache directory: when its files together pass the cap, the least
 * recently used are deleted (oldest modification time first; a cache hit touches its file), so
 * no caller, however many distinct requests it sends, can fill the disk. The cap of each cache
 * directory is `$ZEROCLIP_CACHE_MAX_MB` megabytes (default 512).
 */
import { readdir, stat, unlink, utimes } from "node:fs/promises";
import { join } from "node:path";

export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024;

/** The per-directory cap from `$ZEROCLIP_CACHE_MAX_MB`, else 512 MiB. */
export function cacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.ZEROCLIP_CACHE_MAX_MB);
  return mb > 0 && Number.isFinite(mb) ? Math.round(mb * 1024 * 1024) : DEFAULT_CACHE_MAX_BYTES;
}

/** Mark a cache file as just used (its mtime), so eviction takes it last. Errors are ignored. */
export async function touch(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now).catch(() => {});
}

/**
 * Delete the least recently used files of `dir` (not below it) until the rest fit in
 * `maxBytes`; files named in `keep` stay. Files that vanish meanwhile (another process
 * pruning) are skipped. Returns the names deleted.
 */
export async function capDirectory(
  dir: string,
  maxBytes: number,
  keep: readonly string[] = [],
): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith("."))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const files: { name: string; size: number; mtimeMs: number }[] = [];
  for (const name of names) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s) files.push({ name, size: s.size, mtimeMs: s.mtimeMs });
  }
  let total = files.reduce((n, f) => n + f.size, 0);
  if (total <= maxBytes) return [];
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
  const deleted: string[] = [];
  for (const f of files) {
    if (total <= maxBytes) break;
    if (keep.includes(f.name)) continue;
    try {
      await unlink(join(dir, f.name));
      deleted.push(f.name);
    } catch {
      // gone already
    }
    total -= f.size;
  }
  return deleted;
}
