/**
 * The Classify button: check the inputs, describe the classes with the LLM first when that
 * strategy is chosen, send one multipart POST /v1/classify, draw the results and time it all.
 */
import { byId } from "../dom.js";
import { api, errorText, type PageImage, setMessage, state } from "./api.js";
import { parseLabels, parseLines } from "./parse.js";
import { type Strategy, strategy } from "./prompts.js";
import { renderResults } from "./results.js";
import type { ClassifyResponse, DescribeResponse } from "./types.js";

/** The most bars drawn per image (probabilities are over all classes). */
const TOP_K = 10;

interface Prepared {
  descriptions: Record<string, string[]> | null;
  note: string;
}

function templatesFor(strat: Strategy): string[] {
  if (strat === "single") return [byId<HTMLInputElement>("template").value.trim()];
  if (strat === "ensemble") return parseLines(byId<HTMLTextAreaElement>("ensemble").value);
  return [];
}

async function describeFirst(labels: string[]): Promise<Prepared> {
  const t = performance.now();
  const n = Number(byId<HTMLInputElement>("llm-n").value) || 10;
  setMessage(`asking the LLM to describe ${labels.length} classes…`);
  const r = await api<DescribeResponse>("/v1/describe", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ labels, n }),
  });
  if (r.status !== 200 || !r.body) throw new Error(`describe: ${errorText(r)}`);
  const b = r.body;
  let note =
    `described ${Object.keys(b.descriptions).length} classes in ` +
    `${Math.round(performance.now() - t)} ms (${b.requests} LLM requests, ` +
    `${b.cached_answers} answers cached)`;
  if (b.failures.length > 0) note += `; failed: ${b.failures.map((f) => f.label).join(", ")}`;
  return { descriptions: b.descriptions, note };
}

function classifyForm(
  images: PageImage[],
  labels: string[],
  strat: Strategy,
  p: Prepared,
): FormData {
  const form = new FormData();
  for (const img of images) {
    if (img.file) form.append("image", img.file, img.name);
    else form.append("image", img.url ?? "");
  }
  if (labels.length > 0) form.append("labels", JSON.stringify(labels));
  const ts = templatesFor(strat);
  if (ts.length > 0) form.append("templates", JSON.stringify(ts));
  if (p.descriptions) {
    const all = p.descriptions;
    const d: Record<string, string[]> = {};
    for (const l of labels) if (Object.hasOwn(all, l)) d[l] = all[l];
    form.append("descriptions", JSON.stringify(d));
    form.append("allow_missing", "true");
  }
  form.append("aggregate", byId<HTMLSelectElement>("aggregate").value);
  form.append("top_k", String(TOP_K));
  form.append("explain", "3");
  form.append("include_texts", "true");
  return form;
}

export async function classifyClick(): Promise<void> {
  const labels = parseLabels(byId<HTMLTextAreaElement>("labels").value);
  const images = state.images.slice();
  const strat = strategy();
  if (images.length === 0) return setMessage("add an image first", true);
  if (state.config?.needs_labels && labels.length === 0) {
    return setMessage("type some class names", true);
  }
  if (strat === "descriptions" && !state.descriptions) {
    return setMessage("pick a descriptions file", true);
  }
  const button = byId<HTMLButtonElement>("classify");
  button.disabled = true;
  byId("timing").textContent = "";
  const start = performance.now();
  try {
    const p: Prepared =
      strat === "llm"
        ? await describeFirst(labels)
        : { descriptions: strat === "descriptions" ? state.descriptions : null, note: "" };
    const s = images.length > 1 ? "s" : "";
    setMessage(`classifying ${images.length} image${s}…`);
    const form = classifyForm(images, labels, strat, p);
    const t = performance.now();
    const r = await api<ClassifyResponse>("/v1/classify", { method: "POST", body: form });
    if (r.status !== 200 || !r.body) throw new Error(errorText(r));
    renderResults(r.body, images);
    const failed = r.body.results.filter((x) => x.error).length;
    setMessage(
      `${p.note ? `${p.note}; ` : ""}classified ${images.length - failed} of ${images.length} ` +
        `images${failed ? ` (${failed} failed)` : ""}`,
    );
    byId("timing").textContent =
      `classify ${Math.round(performance.now() - t)} ms · ` +
      `total ${Math.round(performance.now() - start)} ms`;
  } catch (err) {
    setMessage((err as Error).message, true);
  } finally {
    button.disabled = false;
  }
}
