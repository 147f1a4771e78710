import { UsageError } from "../util/errors.js";

/** The template used when none is given (CLIP's default prompt). */
export const DEFAULT_TEMPLATE = "a photo of a {}.";

/** Fill a template: `{}` and `{c}` stand for the class name. */
export function fillTemplate(template: string, label: string): string {
  if (!template.includes("{}") && !template.includes("{c}")) {
    throw new UsageError(`template has no {} or {c} placeholder: ${JSON.stringify(template)}`);
  }
  // A replacer function: a label is inserted literally ("$&" or "{c}" in it stay as they are).
  return template.replace(/\{c?\}/g, () => label);
}

/**
 * Templates from parsed JSON: a list of strings, or a CLIP_benchmark-style map
 * `{dataset: [templates]}` from which `key` picks one (required when the map has several).
 */
export function templatesFromJson(json: unknown, key?: string, where = "templates file"): string[] {
  const check = (list: unknown, what: string): string[] => {
    if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === "string")) {
      throw new UsageError(`${what} must be a non-empty list of template strings`);
    }
    return list as string[];
  };
  if (Array.isArray(json)) {
    if (key) throw new UsageError(`${where} is a list; a key (${key}) only applies to a map`);
    return check(json, where);
  }
  if (json && typeof json === "object") {
    const map = json as Record<string, unknown>;
    const keys = Object.keys(map);
    const k = key ?? (keys.length === 1 ? keys[0] : undefined);
    if (k === undefined) {
      throw new UsageError(
        `${where} holds templates for several datasets; pick one with a key (--templates-key K or FILE#K): ${listKeys(keys)}`,
      );
    }
    if (!(k in map)) throw new UsageError(`${where} has no key ${JSON.stringify(k)}`);
    return check(map[k], `${where}#${k}`);
  }
  throw new UsageError(`${where} must be a JSON list of templates or a {dataset: [templates]} map`);
}

/** Up to 8 keys, with how many more there are. */
export function listKeys(keys: readonly string[]): string {
  return keys.length > 8
    ? `${keys.slice(0, 8).join(", ")}, … (${keys.length - 8} more)`
    : keys.join(", ");
}
