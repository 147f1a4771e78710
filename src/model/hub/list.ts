import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { ModelError } from "../../util/errors.js";
import { parseClipConfig } from "../config.js";
import { type Dtype, dtypesPresent } from "../files.js";
import { COMMIT_HASH } from "./cache.js";
import { hubSettings } from "./settings.js";

/** One cached snapshot of a CLIP model. */
export interface CachedModel {
  repo: string;
  commit: string;
  /** Branches and tags (refs/) that point to this commit. */
  refs: string[];
  /** Precisions whose two ONNX files are both cached. */
  dtypes: Dtype[];
  /** Bytes of the snapshot's files (each blob counted once). */
  bytes: number;
  /** The snapshot directory: usable as --model. */
  dir: string;
  /** Newest file time in the snapshot. */
  modified: Date;
}

/**
 * CLIP models in the Hugging Face hub cache (default: the one HF_HUB_CACHE / HF_HOME select):
 * every snapshot whose config.json describes a CLIP model. Other repos are skipped.
 */
export async function listCachedModels(
  cacheDir: string = hubSettings().cacheDir,
): Promise<CachedModel[]> {
  let entries: string[];
  try {
    entries = await readdir(cacheDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ModelError(`cannot read the hub cache ${cacheDir}: ${(err as Error).message}`);
  }
  const models: CachedModel[] = [];
  for (const entry of entries.sort()) {
    if (!entry.startsWith("models--")) continue;
    const root = join(cacheDir, entry);
    const repo = entry.slice("models--".length).split("--").join("/");
    const refs = await readRefs(join(root, "refs"));
    let snapshots: string[];
    try {
      snapshots = await readdir(join(root, "snapshots"));
    } catch {
      continue;
    }
    for (const commit of snapshots) {
      const dir = join(root, "snapshots", commit);
      if (!(await isClip(dir))) continue;
      const files = await snapshotFiles(dir);
      const blobs = new Map<string, number>();
      let modified = 0;
      for (const f of files) {
        blobs.set(f.real, f.size);
        modified = Math.max(modified, f.mtimeMs);
      }
      models.push({
        repo,
        commit,
        refs: refs.get(commit) ?? [],
        dtypes: dtypesPresent(files.map((f) => f.path)),
        bytes: [...blobs.values()].reduce((a, b) => a + b, 0),
        dir,
        modified: new Date(modified),
      });
    }
  }
  return models;
}

async function isClip(dir: string): Promise<boolean> {
  try {
    parseClipConfig(JSON.parse(await readFile(join(dir, "config.json"), "utf8")), dir);
    return true;
  } catch {
    return false;
  }
}

/** refs/ as commit → ref names (nested refs such as refs/pr/1 included). */
async function readRefs(refsDir: string): Promise<Map<string, string[]>> {
  const byCommit = new Map<string, string[]>();
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const name = prefix + e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), `${name}/`, depth + 1);
      else if (e.isFile()) {
        const commit = (await readFile(join(dir, e.name), "utf8").catch(() => "")).trim();
        if (COMMIT_HASH.test(commit)) byCommit.set(commit, [...(byCommit.get(commit) ?? []), name]);
      }
    }
  };
  await walk(refsDir, "", 0);
  return byCommit;
}

interface SnapshotFile {
  /** Relative to the snapshot, with "/". */
  path: string;
  real: string;
  size: number;
  mtimeMs: number;
}

/** Files of a snapshot whose blobs exist (broken links and temporary files skipped). */
async function snapshotFiles(dir: string): Promise<SnapshotFile[]> {
  const out: SnapshotFile[] = [];
  const walk = async (sub: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      const full = join(dir, rel);
      if (e.isDirectory()) {
        await walk(rel, depth + 1);
        continue;
      }
      if (e.name.endsWith(".tmp")) continue;
      const s = await stat(full).catch(() => undefined);
      if (!s?.isFile()) continue;
      out.push({ path: rel, real: await realpath(full), size: s.size, mtimeMs: s.mtimeMs });
    }
  };
  await walk("", 0);
  return out;
}
