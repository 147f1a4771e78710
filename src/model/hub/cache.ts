import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { getRepoFolderName } from "@huggingface/hub";

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/**
 * One repo in the Hugging Face hub cache, laid out as huggingface_hub does so both share files:
 *
 * ```
 * <cache>/models--org--name/
 *   blobs/<etag>                      file contents, named by sha256 (LFS) or git sha1
 *   snapshots/<commit>/<path>         relative symlinks to ../../blobs/<etag>
 *   refs/<revision>                   the commit a branch or tag pointed to
 * <cache>/.locks/models--org--name/   lock files of downloads in progress
 * ```
 */
export class RepoCache {
  readonly root: string;
  readonly locks: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    const folder = getRepoFolderName({ type: "model", name: repo });
    this.root = join(cacheDir, folder);
    this.locks = join(cacheDir, ".locks", folder);
  }

  blob(etag: string): string {
    return join(this.root, "blobs", etag);
  }

  snapshot(commit: string): string {
    return join(this.root, "snapshots", commit);
  }

  pointer(commit: string, path: string): string {
    return join(this.snapshot(commit), ...path.split("/"));
  }

  /**
   * zeroclip's lock for one blob. Not huggingface_hub's `<etag>.lock` (an flock target that is
   * never deleted, so it would look held forever); both verify what they download.
   */
  lock(etag: string): string {
    return join(this.locks, `${etag}.zeroclip.lock`);
  }

  /** The commit a revision names: itself if it is a commit hash, else refs/<revision>. */
  async commitOf(revision: string): Promise<string | undefined> {
    if (COMMIT_HASH.test(revision)) return revision;
    try {
      const commit = (
        await readFile(join(this.root, "refs", ...revision.split("/")), "utf8")
      ).trim();
      return COMMIT_HASH.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  /** Record what a revision points to (atomically; the temporary file is outside refs/). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const ref = join(this.root, "refs", ...revision.split("/"));
    if ((await readFile(ref, "utf8").catch(() => "")) === commit) return;
    await mkdir(dirname(ref), { recursive: true });
    const tmp = join(this.root, `.ref-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
    try {
      await writeFile(tmp, commit);
      await rename(tmp, ref);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** True when the snapshot has `path` and it leads to a file (a blob present). */
  async has(commit: string, path: string): Promise<boolean> {
    const s = await stat(this.pointer(commit, path)).catch(() => undefined);
    return s?.isFile() === true;
  }

  /** Point snapshots/<commit>/<path> at blobs/<etag> with a relative symlink (a copy where symlinks fail). */
  async link(commit: string, path: string, etag: string): Promise<void> {
    const pointer = this.pointer(commit, path);
    const blob = this.blob(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const tmp = `${pointer}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      try {
        await symlink(relative(dirname(pointer), blob), tmp);
      } catch {
        await copyFile(blob, tmp); // e.g. Windows without symlink rights, as huggingface_hub does
      }
      await rename(tmp, pointer);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** Hub revisions are branch, tag or commit names: no traversal, no absolute paths. */
export function checkRevision(revision: string): boolean {
  return (
    revision.length > 0 &&
    revision.length <= 255 &&
    !revision.startsWith("/") &&
    !revision.endsWith("/") &&
    !revision.includes("\\") &&
    revision.split("/").every((part) => part !== "" && part !== "." && part !== "..")
  );
}
