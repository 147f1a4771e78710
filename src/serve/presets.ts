/**
 * Named class lists and template sets for the web page, from files: CLIP_benchmark's
 * `{dataset: [names]}` JSON (every dataset becomes a preset), a JSON list, or text with one
 * entry per line (one preset named after the file).
 */
import { basename, extname } from "node:path";
import { parseUserJson, readUserFile } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";

const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string");

/** Every list in the file, by name. */
export async function readPresetFile(
  path: string,
  what: string,
): Promise<Record<string, string[]>> {
  const text = await readUserFile(path, what);
  const name = basename(path, extname(path));
  const t = text.trim();
  if (!t.startsWith("[") && !t.startsWith("{")) {
    const lines = t
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    if (lines.length === 0) throw new UsageError(`${what} ${path} is empty`);
    return { [name]: lines };
  }
  const json = parseUserJson(text, path);
  if (isStringList(json)) return { [name]: json };
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (!isStringList(v)) {
        throw new UsageError(
          `${what} ${path}: ${JSON.stringify(k)} must be a non-empty list of strings`,
        );
      }
      out[k] = v;
    }
    if (Object.keys(out).length > 0) return out;
  }
  throw new UsageError(
    `${what} ${path} must be a JSON list, a {name: [list]} map, or one entry per line`,
  );
}
