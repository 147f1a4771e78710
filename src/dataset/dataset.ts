/**
 * Labelled image sets: a folder with one subfolder per class (torchvision ImageFolder layout),
 * or a CSV / JSONL / JSON list of `path,label` records with paths relative to that file's folder.
 */
import { readdir, stat } from "node:fs/promises";
import { dirname, extname, isAbsolute, join } from "node:path";
import { expandInputs } from "../image/source.js";
import { parseUserJson, readUserFile } from "../prompts/files.js";
import { errorMessage, UsageError } from "../util/errors.js";
import { type Classnames, type ClassSet, resolveClassnames } from "./classnames.js";

/** One image and the index of its true class. */
export interface LabelledImage {
  path: string;
  label: number;
}

export interface Dataset {
  /** The folder or file the dataset was read from. */
  source: string;
  format: "folder" | "csv" | "jsonl" | "json";
  classes: ClassSet;
  /** In dataset order: class by class, paths sorted, for folders; file order for lists. */
  items: LabelledImage[];
}

/** A dataset before class names are resolved: class ids and (path, id) records. */
export interface RawDataset {
  format: Dataset["format"];
  ids: string[];
  entries: { path: string; id: string }[];
  /** Every label is a non-negative integer (so a classnames list is indexed by it). */
  indexLabels: boolean;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Read a dataset and name its classes (see `resolveClassnames`). */
export async function loadDataset(source: string, classnames?: Classnames): Promise<Dataset> {
  const raw = await readRawDataset(source);
  const classes = resolveClassnames(raw.ids, classnames, raw.indexLabels);
  const index = new Map(classes.ids.map((id, i) => [id, i]));
  const items = raw.entries.map((e) => ({
    path: e.path,
    label: index.get(raw.indexLabels ? String(Number(e.id)) : e.id)!,
  }));
  return { source, format: raw.format, classes, items };
}

/** The folder or list file's records, without class names. */
export async function readRawDataset(source: string): Promise<RawDataset> {
  const st = await stat(source).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      err.code === "ENOENT"
        ? `dataset not found: ${source}`
        : `cannot read dataset ${source}: ${errorMessage(err)}`,
    );
  });
  if (st.isDirectory()) return readImageFolder(source);
  const ext = extname(source).toLowerCase();
  const text = await readUserFile(source, "dataset file");
  const base = dirname(source);
  let records: { path: string; label: string }[];
  let format: RawDataset["format"];
  if (ext === ".csv") {
    format = "csv";
    records = csvRecords(text, source);
  } else if (ext === ".jsonl" || ext === ".ndjson") {
    format = "jsonl";
    records = jsonlRecords(text, source);
  } else if (ext === ".json") {
    format = "json";
    const json = parseUserJson(text, source);
    if (!Array.isArray(json))
      throw new UsageError(`${source} must be a JSON list of {path, label}`);
    records = json.map((r, i) => record(r, `${source}: entry ${i + 1}`));
  } else {
    throw new UsageError(
      `${source}: a dataset is a folder of class folders, or a .csv / .jsonl / .json list`,
    );
  }
  if (records.length === 0) throw new UsageError(`${source} lists no images`);
  return listDataset(format, records, base);
}

/** Class ids and entries from `path,label` records (paths relative to `base`). */
export function listDataset(
  format: RawDataset["format"],
  records: readonly { path: string; label: string }[],
  base: string,
): RawDataset {
  const ids = [...new Set(records.map((r) => r.label))];
  const indexLabels = ids.every((id) => /^\d+$/.test(id));
  if (indexLabels) ids.sort((a, b) => Number(a) - Number(b));
  else ids.sort(byCodePoint);
  const entries = records.map((r) => ({
    path: isAbsolute(r.path) ? r.path : join(base, r.path),
    id: r.label,
  }));
  return {
    format,
    ids: indexLabels ? [...new Set(ids.map((id) => String(Number(id))))] : ids,
    entries,
    indexLabels,
  };
}

async function readImageFolder(root: string): Promise<RawDataset> {
  let names: string[];
  try {
    const entries = await readdir(root, { withFileTypes: true });
    names = [];
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const isDir =
        e.isDirectory() ||
        (e.isSymbolicLink() &&
          (await stat(join(root, e.name)).catch(() => undefined))?.isDirectory());
      if (isDir) names.push(e.name);
    }
  } catch (err) {
    throw new UsageError(`cannot list dataset folder ${root}: ${errorMessage(err)}`);
  }
  if (names.length === 0) {
    throw new UsageError(`${root} has no class subfolders (expected ${root}/<class>/<image>)`);
  }
  names.sort(byCodePoint);
  const entries: { path: string; id: string }[] = [];
  for (const id of names) {
    for (const path of await expandInputs([join(root, id)])) entries.push({ path, id });
  }
  if (entries.length === 0) throw new UsageError(`no images found in the class folders of ${root}`);
  return { format: "folder", ids: names, entries, indexLabels: false };
}

function record(r: unknown, where: string): { path: string; label: string } {
  if (!r || typeof r !== "object") throw new UsageError(`${where}: expected {"path", "label"}`);
  const { path, label } = r as Record<string, unknown>;
  if (typeof path !== "string" || path === "")
    throw new UsageError(`${where}: "path" must be a non-empty string`);
  if ((typeof label !== "string" && typeof label !== "number") || String(label).trim() === "") {
    throw new UsageError(`${where}: "label" must be a non-empty string or a number`);
  }
  return { path, label: String(label).trim() };
}

/** The JSON value of each non-blank line, with where it is (`FILE:LINE`) for error messages. */
export function parseJsonLines(text: string, source: string): { value: unknown; where: string }[] {
  const out: { value: unknown; where: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push({ value: JSON.parse(line), where: `${source}:${i + 1}` });
    } catch (err) {
      throw new UsageError(`${source}:${i + 1}: not valid JSON: ${errorMessage(err)}`);
    }
  });
  return out;
}

function jsonlRecords(text: string, source: string): { path: string; label: string }[] {
  return parseJsonLines(text, source).map((l) => record(l.value, l.where));
}

/**
 * `path,label` rows (RFC 4180 quoting). A first row naming a `path` and a `label` column is a
 * header and picks the columns; otherwise the first two columns are path and label.
 */
function csvRecords(text: string, source: string): { path: string; label: string }[] {
  const rows = parseCsv(text.replace(/^\uFEFF/, ""), source);
  if (rows.length === 0) return [];
  let pathCol = 0;
  let labelCol = 1;
  let start = 0;
  const header = rows[0].row.map((c) => c.trim().toLowerCase());
  if (header.includes("path") && header.includes("label")) {
    pathCol = header.indexOf("path");
    labelCol = header.indexOf("label");
    start = 1;
  }
  return rows.slice(start).map(({ row, line }) => {
    const path = row[pathCol]?.trim() ?? "";
    const label = row[labelCol]?.trim() ?? "";
    if (path === "" || label === "") {
      throw new UsageError(`${source}:${line}: expected path,label`);
    }
    return { path, label };
  });
}

/**
 * Rows of a CSV text with their 1-based starting line numbers; blank lines skipped. A quote
 * left open is an error (it would swallow the rest of the file into one cell).
 */
export function parseCsv(text: string, source = "CSV"): { row: string[]; line: number }[] {
  const rows: { row: string[]; line: number }[] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  const endRow = () => {
    row.push(cell);
    if (row.length > 1 || row[0].trim() !== "") rows.push({ row, line: rowLine });
    row = [];
    cell = "";
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      quoteLine = line;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) throw new UsageError(`${source}:${quoteLine}: a quoted field is never closed`);
  if (cell !== "" || row.length > 0) endRow();
  return rows;
}
