/**
 * Image–caption pair files for retrieval evaluation: CSV rows `image,caption` (a header naming
 * `image` and `caption` columns picks them; otherwise the first two columns), JSONL lines or a
 * JSON list of `{"image", "caption"}` (or `{"image", "captions": [...]}`). Image paths are
 * relative to the file's folder; an image may appear on several rows (several captions).
 */
import { dirname, extname, isAbsolute, join } from "node:path";
import { parseCsv, parseJsonLines } from "../dataset/dataset.js";
import { isHttpUrl } from "../image/source.js";
import { parseUserJson, readUserFile } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";

/** Images (each once, in order of first appearance) and their captions. */
export interface PairSet {
  source: string;
  images: string[];
  captions: string[];
  /** captionImage[j]: the index in `images` of caption j's image. */
  captionImage: number[];
}

type Row = { image: string; caption: string };

/** Group rows by image (first appearance order); captions keep file order. */
export function pairSet(rows: readonly Row[], base: string, source = ""): PairSet {
  const index = new Map<string, number>();
  const images: string[] = [];
  const captions: string[] = [];
  const captionImage: number[] = [];
  for (const r of rows) {
    const path = isHttpUrl(r.image) || isAbsolute(r.image) ? r.image : join(base, r.image);
    let i = index.get(path);
    if (i === undefined) {
      i = images.length;
      index.set(path, i);
      images.push(path);
    }
    captions.push(r.caption);
    captionImage.push(i);
  }
  return { source, images, captions, captionImage };
}

function objectRows(v: unknown, where: string): Row[] {
  if (!v || typeof v !== "object") throw new UsageError(`${where}: expected {"image", "caption"}`);
  const o = v as Record<string, unknown>;
  if (typeof o.image !== "string" || o.image.trim() === "") {
    throw new UsageError(`${where}: "image" must be a non-empty string`);
  }
  const list = o.captions ?? [o.caption];
  if (!Array.isArray(list) || list.length === 0) {
    throw new UsageError(`${where}: "captions" must be a non-empty list`);
  }
  return list.map((c) => {
    if (typeof c !== "string" || c.trim() === "") {
      throw new UsageError(`${where}: a caption must be a non-empty string`);
    }
    return { image: o.image as string, caption: c };
  });
}

/** Read a pairs file (see the module comment). */
export async function loadPairs(source: string): Promise<PairSet> {
  const text = await readUserFile(source, "pairs file");
  const ext = extname(source).toLowerCase();
  let rows: Row[];
  if (ext === ".csv") {
    const table = parseCsv(text.replace(/^\uFEFF/, ""), source);
    const header = table[0]?.row.map((c) => c.trim().toLowerCase()) ?? [];
    let img = 0;
    let cap = 1;
    let start = 0;
    if (header.includes("image") && header.includes("caption")) {
      img = header.indexOf("image");
      cap = header.indexOf("caption");
      start = 1;
    }
    rows = table.slice(start).map(({ row, line }) => {
      const image = row[img]?.trim() ?? "";
      const caption = row[cap]?.trim() ?? "";
      if (image === "" || caption === "")
        throw new UsageError(`${source}:${line}: expected image,caption`);
      return { image, caption };
    });
  } else if (ext === ".jsonl" || ext === ".ndjson") {
    rows = parseJsonLines(text, source).flatMap((l) => objectRows(l.value, l.where));
  } else if (ext === ".json") {
    const v = parseUserJson(text, source);
    if (!Array.isArray(v))
      throw new UsageError(`${source} must be a JSON list of {image, caption}`);
    rows = v.flatMap((r, i) => objectRows(r, `${source}: entry ${i + 1}`));
  } else {
    throw new UsageError(
      `${source}: a pairs file is a .csv, .jsonl or .json list of image,caption`,
    );
  }
  if (rows.length === 0) throw new UsageError(`${source} lists no pairs`);
  return pairSet(rows, dirname(source), source);
}
