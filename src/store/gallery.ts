/**
 * `zeroclip search --html FILE`: one self-contained page of the results (thumbnails inlined as
 * data: URIs, no script, no external resource), so it opens offline. Every user string is
 * escaped.
 */

import { escapeHtml, pageHead } from "../eval/report.js";
import { thumbnails } from "../eval/thumbnails.js";
import { isHttpUrl, readImageSource } from "../image/source.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { SearchResult } from "./search.js";

export interface GalleryOptions {
  /** Page title (default "zeroclip search"). */
  title?: string;
  /** Shown under the title: the store and model. */
  subtitle?: string;
  /** Thumbnail side in pixels (default 160). */
  size?: number;
  /** Timestamp shown in the page (default now). */
  generated?: Date;
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  margin: 0; padding: 24px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d1d9e0;
  overflow-wrap: anywhere; }
.meta, .error { color: #59636e; margin: 0 0 8px; overflow-wrap: anywhere; }
.error { color: #b42318; }
.grid { display: flex; flex-wrap: wrap; gap: 14px; }
figure { margin: 0; width: var(--side); }
figure img, figure .missing { width: var(--side); height: var(--side); border: 1px solid #d1d9e0;
  border-radius: 4px; object-fit: cover; display: block; background: #f6f8fa; }
figure .missing { display: flex; align-items: center; justify-content: center; color: #59636e; }
figcaption { font-size: 12px; overflow-wrap: anywhere; }
figcaption b { font-variant-numeric: tabular-nums; }
`;

/** The page for results whose thumbnails (by input) were made beforehand. */
export function renderGalleryHtml(
  results: readonly SearchResult[],
  thumbs: ReadonlyMap<string, string>,
  opts: GalleryOptions = {},
): string {
  const side = opts.size ?? 160;
  const title = opts.title ?? "zeroclip search";
  const blocks = results.map((r, q) => {
    const head = `<h2>${q + 1}. ${escapeHtml(r.query)}</h2>`;
    if (r.error !== undefined)
      return `<section>${head}<p class="error">${escapeHtml(r.error)}</p></section>`;
    if (r.results.length === 0) return `<section>${head}<p class="meta">no results</p></section>`;
    const figures = r.results.map((hit, i) => {
      const src = thumbs.get(hit.input);
      const img = src
        ? `<img src="${escapeHtml(src)}" alt="${escapeHtml(hit.input)}" loading="lazy">`
        : `<div class="missing">no preview</div>`;
      return `<figure>${img}<figcaption>#${i + 1} <b>${hit.score.toFixed(4)}</b><br>${escapeHtml(hit.input)}</figcaption></figure>`;
    });
    return `<section>${head}<div class="grid">${figures.join("\n")}</div></section>`;
  });
  return `${pageHead(title, CSS.replaceAll("var(--side)", `${side}px`))}
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml([opts.subtitle, (opts.generated ?? new Date()).toISOString()].filter(Boolean).join(" · "))}</p>
${blocks.join("\n")}
</body>
</html>
`;
}

/** Make the thumbnails (files read directly, URLs fetched once) and write the page atomically. */
export async function writeGallery(
  path: string,
  results: readonly SearchResult[],
  opts: GalleryOptions = {},
): Promise<void> {
  const inputs = [...new Set(results.flatMap((r) => (r.results ?? []).map((h) => h.input)))];
  const thumbs = await thumbnails(inputs, { size: opts.size ?? 160, quality: 80 }, async (input) =>
    isHttpUrl(input) ? readImageSource(input).catch(() => undefined) : input,
  );
  await writeFileAtomic(path, renderGalleryHtml(results, thumbs, opts));
}
