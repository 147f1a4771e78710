/**
 * What the server offers (GET /v1/config): the model line, the status pill, presets, and only
 * the features that work here (describe with an LLM, search with a store, URL inputs). Polls
 * until the model is loaded. The API key box stores a key for this tab and asks again.
 */
import { byId, el } from "../dom.js";
import { api, KEY_ITEM, state } from "./api.js";
import type { ServerConfig } from "./types.js";

function fillPresets(id: string, names: string[]): void {
  const sel = byId<HTMLSelectElement>(id);
  for (const n of names) sel.appendChild(el("option", { value: n }, n));
  sel.hidden = names.length === 0;
}

export async function loadConfig(): Promise<void> {
  const r = await api<ServerConfig>("/v1/config");
  const status = byId("status");
  if (r.status !== 200 || !r.body) {
    status.textContent = r.status === 401 ? "API key needed" : "unavailable";
    status.className = "pill bad";
    return;
  }
  const c = r.body;
  state.config = c;
  byId("model").textContent = `${c.model} (${c.dtype}, ${c.embedding_dim}-d)`;
  status.textContent = c.ready ? "ready" : "loading the model…";
  status.className = `pill ${c.ready ? "ok" : ""}`;
  byId("key-box").hidden = true;
  byId("url-note").hidden = c.url_inputs;
  byId("url-form").hidden = !c.url_inputs;
  byId<HTMLInputElement>("template").value = c.default_template;
  fillPresets("classnames-preset", c.presets.classnames);
  fillPresets("templates-preset", c.presets.templates);
  if (c.features.indexOf("describe") >= 0) {
    byId("llm-strategy").hidden = false;
    byId("llm-model").textContent = `(${c.llm_model})`;
  }
  if (c.features.indexOf("search") >= 0) byId("search").hidden = false;
  if (!c.needs_labels && c.fixed_labels) {
    const fixed = byId("fixed-labels");
    fixed.hidden = false;
    fixed.textContent = `This server classifies into its own classes: ${c.fixed_labels.join(", ")}`;
  }
  if (!c.ready) setTimeout(loadConfig, 1000);
}

export function wireKey(): void {
  byId("key-save").addEventListener("click", () => {
    const input = byId<HTMLInputElement>("api-key");
    sessionStorage.setItem(KEY_ITEM, input.value.trim());
    input.value = "";
    void loadConfig();
  });
}
