/** Small JPEG thumbnails as data: URIs, for the HTML report. */
import sharp from "sharp";

export interface ThumbnailOptions {
  /** Square side in pixels (default 72). */
  size?: number;
  /** JPEG quality (default 75). */
  quality?: number;
}

/**
 * A `data:image/jpeg;base64,…` thumbnail of an image file or image bytes (EXIF orientation
 * applied, cropped to a square), or undefined when it cannot be read as an image.
 */
export async function thumbnailDataUri(
  path: string | Uint8Array,
  opts: ThumbnailOptions = {},
): Promise<string | undefined> {
  const size = opts.size ?? 72;
  try {
    const jpeg = await sharp(path, { failOn: "none", limitInputPixels: 100_000_000 })
      .autoOrient()
      .resize(size, size, { fit: "cover" })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: opts.quality ?? 75 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString("base64")}`;
  } catch {
    return undefined;
  }
}

/**
 * Thumbnails of several images, a few at a time, keyed by name; unreadable ones are left out.
 * Each name is a file path unless `load` turns it into bytes (or a path) first, e.g. fetching
 * a URL; a name `load` gives nothing for is left out too.
 */
export async function thumbnails(
  names: readonly string[],
  opts: ThumbnailOptions = {},
  load: (name: string) => Promise<string | Uint8Array | undefined> = async (name) => name,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(names)];
  for (let i = 0; i < unique.length; i += 8) {
    const batch = unique.slice(i, i + 8);
    const uris = await Promise.all(
      batch.map(async (name) => {
        const src = await load(name);
        return src === undefined ? undefined : thumbnailDataUri(src, opts);
      }),
    );
    batch.forEach((name, k) => {
      const uri = uris[k];
      if (uri) out.set(name, uri);
    });
  }
  return out;
}
