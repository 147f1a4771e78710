/** Shared pieces of the hub tests: the served model, temp caches, layout checks from the files. */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitBlobSha1, type RepoSpec, repoFromDir, sha256Hex } from "../support/hub-server.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { sharedPath } from "../support/paths.js";

export const REPO = "acme/tiny-clip";
export const FOLDER = "models--acme--tiny-clip";

/** The files a fp32 download must fetch (tiny-clip has both optional tokenizer files). */
export const FP32_FILES = [
  "config.json",
  "preprocessor_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "onnx/text_model.onnx",
  "onnx/vision_model.onnx",
];

/** ../shared/models/tiny-clip when present, else the generated tiny fixture model. */
export async function modelSource(): Promise<string> {
  return sharedPath("models", "tiny-clip") ?? (await ensureFixtureModel("tiny"));
}

/** Deterministic filler bytes, e.g. for a fake dtype nobody should download. */
export function filler(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** tiny-clip as served, plus q8 files (filler bytes) so there is a dtype to leave alone. */
export async function tinyRepo(src: string): Promise<RepoSpec> {
  return repoFromDir(src, {
    extra: {
      "onnx/text_model_quantized.onnx": filler(300_000, 1),
      "onnx/vision_model_quantized.onnx": filler(200_000, 2),
    },
  });
}

/** A repo that is not CLIP: a BERT config and ONNX files in the same layout. */
export function bertRepo(): RepoSpec {
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  return {
    files: new Map<string, Uint8Array>([
      ["config.json", json({ model_type: "bert", architectures: ["BertModel"] })],
      ["preprocessor_config.json", json({})],
      ["tokenizer.json", json({})],
      ["onnx/text_model.onnx", filler(100_000, 3)],
      ["onnx/vision_model.onnx", filler(100_000, 4)],
    ]),
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `zeroclip-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The blob name the hub gives a file: sha256 for LFS-like files, git blob sha1 otherwise. */
export function expectedEtag(path: string, data: Uint8Array): string {
  return path.endsWith(".onnx") ? sha256Hex(data) : gitBlobSha1(data);
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Every file under a directory, recursively (relative paths), symlinks listed, not followed. */
export async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) =>
      join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1),
    )
    .sort();
}

/** Does any file under `dir` contain `needle`? (Symlinks are followed by readFile.) */
export async function anyFileContains(dir: string, needle: string): Promise<string | undefined> {
  for (const rel of await listTree(dir)) {
    const data = await readFile(join(dir, rel)).catch(() => undefined);
    if (data?.includes(needle)) return rel;
  }
  return undefined;
}
