/**
 * Class display names for a labelled dataset: from a `--classnames` file (a JSON list, a JSON
 * map of class id → name, CLIP_benchmark's `{dataset: [names]}` file picked with FILE#KEY, or
 * plain text with one name per line), matched to the dataset's class ids.
 */
import { parseUserJson, readUserFile, splitFileKey } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";

/** Names in class order (matched by position) or a map from class id to name. */
export type Classnames =
  | { kind: "list"; names: string[] }
  | { kind: "map"; names: Record<string, string> };

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

function isStringMap(v: unknown): v is Record<string, string> {
  return (
    !!v &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.values(v as object).every((s) => typeof s === "string")
  );
}

/**
 * Classnames from parsed JSON. A list, or an id → name map, is used as is. A map whose values
 * are lists or maps is keyed by dataset (CLIP_benchmark's en_classnames.json): `key` picks one,
 * and may be omitted when there is only one.
 */
export function classnamesFromJson(
  json: unknown,
  key: string | undefined,
  where: string,
): Classnames {
  if (isStringList(json)) {
    if (key) throw new UsageError(`${where} is a list; a key (#${key}) only applies to a map`);
    return { kind: "list", names: json };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new UsageError(`${where} must be a JSON list of names or a map`);
  }
  const map = json as Record<string, unknown>;
  if (isStringMap(map) && key === undefined) return { kind: "map", names: map };
  const keys = Object.keys(map);
  const k = key ?? (keys.length === 1 ? keys[0] : undefined);
  if (k === undefined) {
    const some = keys.slice(0, 8).join(", ") + (keys.length > 8 ? ", …" : "");
    throw new UsageError(
      `${where} holds class names for several datasets; pick one with FILE#KEY (${some})`,
    );
  }
  if (!(k in map)) throw new UsageError(`${where} has no key ${JSON.stringify(k)}`);
  const picked = map[k];
  if (isStringList(picked)) return { kind: "list", names: picked };
  if (isStringMap(picked)) return { kind: "map", names: picked };
  throw new UsageError(`${where}#${k} must be a list of names or an id → name map`);
}

/** Read `FILE` or `FILE#KEY` (JSON, or text with one name per line; `#` comments skipped). */
export async function readClassnames(spec: string): Promise<Classnames> {
  const { file, key } = splitFileKey(spec);
  const text = await readUserFile(file, "classnames file");
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    return classnamesFromJson(parseUserJson(text, file), key, file);
  }
  if (key) throw new UsageError(`${file} is a text file; a key (#${key}) only applies to JSON`);
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return { kind: "list", names };
}

/** The classes of a dataset: ids as found in it, display names as shown everywhere else. */
export interface ClassSet {
  /** Class ids (folder names or label values), in class order. */
  ids: string[];
  /** Display names, same order; these are the labels prompts and outputs use. */
  names: string[];
}

/**
 * Match a dataset's class ids to display names.
 * - No classnames: the ids are the names.
 * - A list: with `indexLabels` (every label is an integer) label k is `names[k]` and every entry
 *   of the list is a class; otherwise the list must have one name per id and maps by position
 *   onto the ids in their sorted order, as torchvision's ImageFolder assigns class indices.
 * - A map: each id's name is `map[id]` (ids missing from the map are an error).
 */
export function resolveClassnames(
  ids: readonly string[],
  classnames: Classnames | undefined,
  indexLabels = false,
): ClassSet {
  let out: ClassSet;
  if (!classnames) {
    out = { ids: [...ids], names: [...ids] };
  } else if (classnames.kind === "list") {
    const list = classnames.names;
    if (indexLabels) {
      const bad = ids.find((id) => Number(id) >= list.length);
      if (bad !== undefined) {
        throw new UsageError(
          `label ${bad} is out of range: the classnames list has ${list.length} names`,
        );
      }
      out = { ids: list.map((_, i) => String(i)), names: [...list] };
    } else {
      if (list.length !== ids.length) {
        throw new UsageError(
          `the classnames list has ${list.length} names but the dataset has ${ids.length} classes`,
        );
      }
      out = { ids: [...ids], names: [...list] };
    }
  } else {
    const map = classnames.names;
    const missing = ids.filter((id) => !Object.hasOwn(map, id));
    if (missing.length > 0) {
      const some = missing
        .slice(0, 5)
        .map((m) => JSON.stringify(m))
        .join(", ");
      throw new UsageError(
        `the classnames map has no name for ${some}${missing.length > 5 ? ", …" : ""}`,
      );
    }
    out = { ids: [...ids], names: ids.map((id) => map[id]) };
  }
  out.names = out.names.map((n) => n.trim());
  const empty = out.names.indexOf("");
  if (empty >= 0) throw new UsageError(`class ${JSON.stringify(out.ids[empty])} has an empty name`);
  const dup = out.names.find((n, i) => out.names.indexOf(n) !== i);
  if (dup !== undefined) throw new UsageError(`class name ${JSON.stringify(dup)} is used twice`);
  return out;
}
