/**
 * What a model's embeddings depend on, from the content of its files rather than their paths or
 * times, so that the same hub model gives the same identity on every machine (wherever its cache
 * is) and a re-downloaded or edited file does not. One module for every identity and cache key:
 * the store's (`store/identity.ts`), the image-embedding cache's (`cache/image-pass.ts`) and the
 * class-embedding cache's (`classify/embedding-cache.ts`).
 *
 * - image side: the vision ONNX file, config.json, preprocessor_config.json, the dtype;
 * - text side: the text ONNX file, config.json, tokenizer.json, tokenizer_config.json, the dtype.
 *
 * The image settings that change pixels (EXIF orientation, `PREPROCESS_VERSION`) are added by
 * the callers that decode images. File hashes come from `fileSha256` (free for hub blobs,
 * computed once per file otherwise).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ModelError } from "../util/errors.js";
import { fileSha256 } from "../util/file-sha256.js";
import { sha256 } from "../util/hash.js";
import { type Dtype, onnxFiles } from "./files.js";

/** A model file's identity: its name in the model directory, size and SHA-256. */
export interface ModelFileIdentity {
  file: string;
  size: number;
  sha256: string;
}

/** The identity of `dir/file`; a file that cannot be read is a `ModelError`. */
export async function fileIdentity(
  dir: string,
  file: string,
  cacheDir?: string,
): Promise<ModelFileIdentity> {
  const path = join(dir, file);
  try {
    const [st, digest] = await Promise.all([stat(path), fileSha256(path, cacheDir)]);
    return { file, size: st.size, sha256: digest };
  } catch (err) {
    throw new ModelError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** SHA-256 of a small file's bytes, or null when the (optional) file is absent. */
async function optionalHash(dir: string, file: string): Promise<string | null> {
  try {
    return sha256(await readFile(join(dir, file)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ModelError(`cannot read ${join(dir, file)}: ${(err as Error).message}`);
  }
}

/** SHA-256 of a required small file's bytes. */
async function requiredHash(dir: string, file: string): Promise<string> {
  const h = await optionalHash(dir, file);
  if (h === null) throw new ModelError(`${join(dir, file)} is missing`, "model_file_missing");
  return h;
}

/** A model directory and the dtype of its ONNX files. */
export interface ModelLocation {
  readonly dir: string;
  readonly dtype: Dtype | string;
}

/** What a model's image embeddings depend on (besides the image settings). */
export interface ImageSideIdentity {
  dtype: string;
  vision: ModelFileIdentity;
  /** SHA-256 of config.json and of preprocessor_config.json. */
  configs: { config: string; preprocessor: string };
}

/** What a model's text embeddings depend on. */
export interface TextSideIdentity {
  dtype: string;
  text: ModelFileIdentity;
  /** SHA-256 of config.json, tokenizer.json and tokenizer_config.json (null when absent). */
  configs: { config: string; tokenizer: string; tokenizerConfig: string | null };
}

export async function imageSideIdentity(
  model: ModelLocation,
  cacheDir?: string,
): Promise<ImageSideIdentity> {
  const [vision, config, preprocessor] = await Promise.all([
    fileIdentity(model.dir, onnxFiles(model.dtype as Dtype).vision, cacheDir),
    requiredHash(model.dir, "config.json"),
    requiredHash(model.dir, "preprocessor_config.json"),
  ]);
  return { dtype: model.dtype, vision, configs: { config, preprocessor } };
}

export async function textSideIdentity(
  model: ModelLocation,
  cacheDir?: string,
): Promise<TextSideIdentity> {
  const [text, config, tokenizer, tokenizerConfig] = await Promise.all([
    fileIdentity(model.dir, onnxFiles(model.dtype as Dtype).text, cacheDir),
    requiredHash(model.dir, "config.json"),
    requiredHash(model.dir, "tokenizer.json"),
    optionalHash(model.dir, "tokenizer_config.json"),
  ]);
  return { dtype: model.dtype, text, configs: { config, tokenizer, tokenizerConfig } };
}
