/**
 * Classes and prompts: class-list and template files (a file with several sets asks which),
 * the server's presets, a CuPL descriptions file, and the chosen prompt strategy.
 */
import { byId, el } from "../dom.js";
import { api, errorText, setMessage, state } from "./api.js";
import { listsFromFile } from "./parse.js";

export type Strategy = "single" | "ensemble" | "descriptions" | "llm";

function strategyRadio(value: Strategy): HTMLInputElement {
  const r = document.querySelector<HTMLInputElement>(`input[name=strategy][value=${value}]`);
  if (!r) throw new Error(`no strategy radio ${value}`);
  return r;
}

/** The checked prompt strategy. */
export function strategy(): Strategy {
  const r = document.querySelector<HTMLInputElement>("input[name=strategy]:checked");
  return (r ? r.value : "single") as Strategy;
}

function fileInput(id: string, onText: (file: File, text: string) => void): void {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener("change", () => {
    const f = input.files?.[0];
    if (!f) return;
    void f.text().then((text) => onText(f, text));
  });
}

function wireListFile(fileId: string, keyId: string, apply: (items: string[]) => void): void {
  fileInput(fileId, (f, text) => {
    let lists: Record<string, string[]>;
    try {
      lists = listsFromFile(text);
    } catch (err) {
      setMessage(`${f.name}: ${(err as Error).message}`, true);
      return;
    }
    const keys = Object.keys(lists);
    const sel = byId<HTMLSelectElement>(keyId);
    sel.textContent = "";
    if (keys.length === 1) {
      sel.hidden = true;
      apply(lists[keys[0]]);
      return;
    }
    sel.appendChild(el("option", { value: "" }, `pick one of ${keys.length} sets…`));
    for (const k of keys) sel.appendChild(el("option", { value: k }, `${k} (${lists[k].length})`));
    sel.hidden = false;
    sel.onchange = () => {
      if (sel.value) apply(lists[sel.value]);
    };
  });
}

function wirePreset(selectId: string, kind: string, apply: (items: string[]) => void): void {
  const sel = byId<HTMLSelectElement>(selectId);
  sel.addEventListener("change", async () => {
    const name = sel.value;
    if (!name) return;
    const r = await api<{ items: string[] }>(`/v1/presets/${kind}/${encodeURIComponent(name)}`);
    if (r.status === 200 && r.body) apply(r.body.items);
    else setMessage(errorText(r), true);
  });
}

export function wireClassesAndPrompts(): void {
  const setLabels = (names: string[]) => {
    byId<HTMLTextAreaElement>("labels").value = names.join("\n");
  };
  const setEnsemble = (ts: string[]) => {
    byId<HTMLTextAreaElement>("ensemble").value = ts.join("\n");
    strategyRadio("ensemble").checked = true;
  };
  wireListFile("classnames-file", "classnames-key", setLabels);
  wireListFile("templates-file", "templates-key", setEnsemble);
  wirePreset("classnames-preset", "classnames", setLabels);
  wirePreset("templates-preset", "templates", setEnsemble);
  fileInput("descriptions-file", (f, text) => {
    try {
      const d: unknown = JSON.parse(text);
      if (!d || typeof d !== "object" || Array.isArray(d)) {
        throw new Error('expected {"class": ["sentence", …]}');
      }
      state.descriptions = d as Record<string, string[]>;
      byId("descriptions-info").textContent = `${Object.keys(d).length} classes`;
      strategyRadio("descriptions").checked = true;
    } catch (err) {
      setMessage(`${f.name}: ${(err as Error).message}`, true);
    }
  });
}
