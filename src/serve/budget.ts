/**
 * The per-request work budget, checked before any text is tokenized or any image decoded: a
 * request over a limit is refused whole with 413 `limit_exceeded` naming the limit, so a small
 * body can never ask for hours of encoder time (2,000 labels × 3,000 templates are 6 M prompts).
 */
import type { ClassifyParams } from "./classifier-source.js";
import { limitExceeded } from "./errors.js";
import type { RequestLimits } from "./settings.js";

function checkTexts(texts: readonly string[], what: string, l: RequestLimits): void {
  for (const t of texts) {
    if (t.length > l.maxTextLength) {
      throw limitExceeded(
        "max-text-length",
        `a ${what} is ${t.length} characters long, over the ${l.maxTextLength} allowed`,
      );
    }
  }
}

/** How many texts the classes of `p` are built from (what the text encoder would run on). */
export function promptTextCount(p: ClassifyParams): number {
  const labels = p.labels ?? [];
  const perLabel = Math.max(1, p.templates?.length ?? 0);
  let n = 0;
  for (const label of labels) {
    const d = p.descriptions && Object.hasOwn(p.descriptions, label) ? p.descriptions[label] : [];
    n += (Array.isArray(d) ? d.length : 0) + perLabel;
  }
  return n;
}

/** Throws `limit_exceeded` when a classify request's classes would cost more than allowed. */
export function checkClassifyBudget(p: ClassifyParams, l: RequestLimits): void {
  const labels = p.labels ?? [];
  if (labels.length > l.maxLabels) {
    throw limitExceeded("max-labels", `${labels.length} labels, over the ${l.maxLabels} allowed`);
  }
  checkTexts(labels, "label", l);
  const templates = p.templates ?? [];
  if (templates.length > l.maxTemplates) {
    throw limitExceeded(
      "max-templates",
      `${templates.length} templates, over the ${l.maxTemplates} allowed`,
    );
  }
  checkTexts(templates, "template", l);
  if (p.descriptions) {
    const keys = Object.keys(p.descriptions);
    if (keys.length > l.maxLabels) {
      throw limitExceeded(
        "max-labels",
        `descriptions for ${keys.length} labels, over the ${l.maxLabels} allowed`,
      );
    }
    for (const k of keys) {
      const list = p.descriptions[k];
      if (!Array.isArray(list)) continue;
      if (list.length > l.maxDescriptionsPerLabel) {
        throw limitExceeded(
          "max-descriptions",
          `${list.length} descriptions for one label, over the ${l.maxDescriptionsPerLabel} allowed`,
        );
      }
      checkTexts(list, "description", l);
    }
  }
  const texts = promptTextCount(p);
  if (texts > l.maxPromptTexts) {
    throw limitExceeded(
      "max-prompt-texts",
      `the classes would be built from ${texts} texts (labels × templates and descriptions), over the ${l.maxPromptTexts} allowed`,
    );
  }
}

/** Throws `limit_exceeded` for embeddings or search texts over the length limit. */
export function checkTextInputs(texts: readonly string[], l: RequestLimits): void {
  checkTexts(texts, "text", l);
}
