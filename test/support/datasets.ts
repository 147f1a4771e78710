/**
 * Small labelled image sets made in code for the eval tests: one folder per class holding
 * coloured PNG and JPEG images (a base colour per class, varied per image), plus optionally one
 * corrupt file, and the same set as CSV and JSONL listings.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";

export interface GeneratedDataset {
  /** The image folder (one subfolder per class). */
  root: string;
  /** Class folder names in sorted (code point) order. */
  classes: string[];
  /** Every image written, in dataset order, with its class folder name. */
  images: { path: string; label: string }[];
  /** The corrupt file (named .jpg, holding text), if one was written. */
  corrupt?: string;
  /** `path,label` listing with a header row, paths relative to root. */
  csv: string;
  /** `{"path", "label"}` per line, paths relative to root. */
  jsonl: string;
}

/** The class folders of ../shared/data/cifar10-test, in CIFAR-10's label order. */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/**
 * The probe fixture's options for small photos (CIFAR-10's 32 × 32, the generated colour images'
 * ~40 × 40 below): the model's input at about the photos' own size, so each image is decoded and
 * normalised without a 7× upscale first (the resizing code is checked against Pillow and
 * Transformers elsewhere).
 */
export const SMALL_PHOTOS_PROBE = Object.freeze({ dims: Object.freeze({ imageSize: 32 }) });

/** Base colours of the default classes (RGB). */
export const CLASS_COLOURS: Record<string, [number, number, number]> = {
  blue: [30, 60, 220],
  cyan: [40, 200, 210],
  green: [40, 180, 60],
  magenta: [200, 40, 190],
  red: [220, 40, 40],
  yellow: [230, 210, 40],
};

export interface DatasetOptions {
  /** Class folder names → base colour (default `CLASS_COLOURS`). */
  classes?: Record<string, [number, number, number]>;
  /** Images per class (default 4). */
  perClass?: number;
  /** Write `<first class>/broken.jpg` holding text (default true). */
  corrupt?: boolean;
  /** Index of the first image's variation (default 0): sets made with other ranges differ. */
  firstIndex?: number;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A solid image with a lighter square whose place and size vary with `k`. */
async function colourImage(
  rgb: [number, number, number],
  k: number,
  format: "png" | "jpeg",
): Promise<Buffer> {
  const w = 40 + 8 * (k % 3);
  const h = 36 + 6 * (k % 2);
  const data = Buffer.alloc(w * h * 3);
  const side = 10 + 2 * k;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inSquare = x >= k && x < k + side && y >= k && y < k + side;
      for (let c = 0; c < 3; c++) {
        const v = rgb[c] + (inSquare ? 30 : 0) - 4 * k;
        data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, v));
      }
    }
  }
  const img = sharp(data, { raw: { width: w, height: h, channels: 3 } });
  return format === "png" ? img.png().toBuffer() : img.jpeg({ quality: 92 }).toBuffer();
}

/** Write the dataset under `root` (created if needed). */
export async function writeColourDataset(
  root: string,
  opts: DatasetOptions = {},
): Promise<GeneratedDataset> {
  const colours = opts.classes ?? CLASS_COLOURS;
  const perClass = opts.perClass ?? 4;
  const classes = Object.keys(colours).sort(byCodePoint);
  const images: GeneratedDataset["images"] = [];
  for (const label of classes) {
    const dir = join(root, label);
    await mkdir(dir, { recursive: true });
    const names: string[] = [];
    const first = opts.firstIndex ?? 0;
    for (let k = first; k < first + perClass; k++) {
      const format = k % 2 === 0 ? "png" : "jpeg";
      const name = `img${k}.${format === "png" ? "png" : "jpg"}`;
      await writeFile(join(dir, name), await colourImage(colours[label], k, format));
      names.push(name);
    }
    for (const name of names.sort(byCodePoint)) images.push({ path: join(dir, name), label });
  }
  let corrupt: string | undefined;
  if (opts.corrupt ?? true) {
    corrupt = join(root, classes[0], "broken.jpg");
    await writeFile(corrupt, "this is not a JPEG\n");
  }
  const rel = (p: string) => p.slice(root.length + 1);
  const listed = [...images, ...(corrupt ? [{ path: corrupt, label: classes[0] }] : [])];
  const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const csv =
    "path,label\n" +
    listed.map((i) => `${csvCell(rel(i.path))},${csvCell(i.label)}`).join("\n") +
    "\n";
  const jsonl =
    listed.map((i) => JSON.stringify({ path: rel(i.path), label: i.label })).join("\n") + "\n";
  return { root, classes, images, corrupt, csv, jsonl };
}
