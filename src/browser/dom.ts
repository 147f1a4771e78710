/**
 * The one DOM helper of the web page and the HTML reports. User strings only ever reach the
 * document through `textContent` and `setAttribute`, never parsed as HTML.
 */

export type Attrs = Record<string, string | number | boolean>;

/** A new element with attributes (stringified) and, when given, its text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The element with this id; a page without it is a bug, so it throws (and the console shows). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from the page`);
  return e as T;
}
