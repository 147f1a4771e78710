/**
 * Reading what the user types or loads: class names and class-list / template files. Pure (no
 * DOM), so Node's tests run it too.
 */

/** Class names: one per line when there are several lines, else comma-separated; blanks dropped. */
export function parseLabels(text: string): string[] {
  const parts = text.indexOf("\n") >= 0 ? text.split(/\r?\n/) : text.split(",");
  return parts.map((s) => s.trim()).filter((s) => s !== "");
}

/** Templates of the ensemble box: one per line, blanks dropped. */
export function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A class-list or template file, as named lists: a JSON list (one list named ""), an
 * {id: name} map (one list, its values), a {dataset: list} map (a list per key; other keys are
 * skipped), or plain lines (one list; blank lines and `#` comments dropped).
 */
export function listsFromFile(text: string): Record<string, string[]> {
  const t = text.trim();
  if (t[0] === "[" || t[0] === "{") {
    const json: unknown = JSON.parse(t);
    if (Array.isArray(json)) return { "": json.map(String) };
    const map = json as Record<string, unknown>;
    const vals = Object.keys(map).map((k) => map[k]);
    if (vals.every((v) => typeof v === "string")) return { "": vals as string[] };
    const out: Record<string, string[]> = {};
    for (const k of Object.keys(map)) {
      const v = map[k];
      if (Array.isArray(v)) out[k] = v.map(String);
    }
    return out;
  }
  return { "": parseLines(t).filter((s) => s[0] !== "#") };
}
