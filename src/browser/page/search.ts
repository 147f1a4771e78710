/** The search box: POST /v1/search {text, k, thumbnails}; each hit with its thumbnail if any. */
import { byId, el } from "../dom.js";
import { api, errorText, setMessage } from "./api.js";
import type { SearchResponse } from "./types.js";

/** Hits shown per query. */
const K = 24;

export function wireSearch(): void {
  byId("search-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = byId<HTMLInputElement>("search-text").value.trim();
    if (!text) return;
    const r = await api<SearchResponse>("/v1/search", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, k: K, thumbnails: true }),
    });
    const grid = byId("search-results");
    grid.textContent = "";
    if (r.status !== 200 || !r.body) return setMessage(errorText(r), true);
    for (const hit of r.body.results ?? []) {
      const fig = el("figure");
      if (hit.thumbnail) fig.appendChild(el("img", { src: hit.thumbnail, alt: "" }));
      const score = typeof hit.score === "number" ? ` · ${hit.score.toFixed(3)}` : "";
      fig.appendChild(el("figcaption", null, (hit.input ?? "") + score));
      grid.appendChild(fig);
    }
  });
}
