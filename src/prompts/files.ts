import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { listKeys, templatesFromJson } from "../classify/templates.js";
import { UsageError } from "../util/errors.js";

/** Read a UTF-8 file a user named, with a one-line error when it cannot be read. */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "not found"
        : code === "EISDIR"
          ? "is a directory"
          : (err as Error).message;
    throw new UsageError(`cannot read ${what} ${path}: ${why}`);
  }
}

/** Parse JSON from a user's file, naming the file and the position on error. */
export function parseUserJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Labels from a comma-separated list. */
export function parseLabelList(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Labels from a file: a JSON list of names, a JSON map (CLIP_benchmark classnames, `key` picks a
 * dataset), or plain text with one label per line (blank lines and `#` comments skipped).
 */
export async function readLabelsFile(path: string, key?: string): Promise<string[]> {
  const text = await readUserFile(path, "labels file");
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    const json = parseUserJson(text, path);
    const list = Array.isArray(json) ? json : pickKey(json as Record<string, unknown>, key, path);
    if (!Array.isArray(list) || !list.every((l) => typeof l === "string")) {
      throw new UsageError(`${path} must hold a list of label strings`);
    }
    return list;
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

function pickKey(map: Record<string, unknown>, key: string | undefined, path: string): unknown {
  const keys = Object.keys(map);
  const k = key ?? (keys.length === 1 ? keys[0] : undefined);
  if (k === undefined || !(k in map)) {
    throw new UsageError(`${path} is a map; pick one of its keys with FILE#KEY: ${listKeys(keys)}`);
  }
  return map[k];
}

/** Split `FILE#KEY` into its parts (no `#`, or a file whose own name holds it → no key). */
export function splitFileKey(spec: string): { file: string; key?: string } {
  const i = spec.lastIndexOf("#");
  return i > 0 && !existsSync(spec)
    ? { file: spec.slice(0, i), key: spec.slice(i + 1) }
    : { file: spec };
}

/** Templates from a JSON list or a CLIP_benchmark `{dataset: [templates]}` map. */
export async function readTemplatesFile(path: string, key?: string): Promise<string[]> {
  const text = await readUserFile(path, "templates file");
  return templatesFromJson(parseUserJson(text, path), key, path);
}

/** Class descriptions in the CuPL JSON format: `{"class name": ["sentence.", ...]}`. */
export async function readDescriptionsFile(path: string): Promise<Record<string, string[]>> {
  const json = parseUserJson(await readUserFile(path, "descriptions file"), path);
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new UsageError(`${path} must be a JSON object {"class name": ["sentence.", ...]}`);
  }
  const out: Record<string, string[]> = {};
  for (const [label, list] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) {
      throw new UsageError(
        `${path}: descriptions of ${JSON.stringify(label)} must be a list of strings`,
      );
    }
    out[label] = list.map((s) => s.trim()).filter((s) => s !== "");
  }
  return out;
}
