import { l2Normalize, meanVector } from "../math/vector.js";
import { UsageError } from "../util/errors.js";
import { DEFAULT_TEMPLATE, fillTemplate } from "./templates.js";

/**
 * How the embeddings of one class's texts become its class embedding.
 * - `normalized-mean` (CuPL paper, CLIP's ensembling): mean of L2-normalized text embeddings,
 *   re-normalized.
 * - `pooled-mean`: mean of the text encoder's pooled outputs, then projected. The projection is
 *   linear without bias, so this is the mean of the *unnormalized* projected embeddings,
 *   then normalized.
 */
export type Aggregate = "normalized-mean" | "pooled-mean";

export const AGGREGATES: readonly Aggregate[] = ["normalized-mean", "pooled-mean"];

/** Where a class's texts come from. */
export interface PromptSources {
  /** Templates with `{}` / `{c}` for the class name. */
  templates?: readonly string[];
  /** Class descriptions (CuPL JSON: class name → sentences). */
  descriptions?: Readonly<Record<string, readonly string[]>>;
  /** With descriptions: a label without any falls back to templates (else it is an error). */
  allowMissing?: boolean;
  /** Called with a warning line, e.g. for a label that fell back to templates. */
  onWarning?: (message: string) => void;
  /** The family's template for a label without descriptions or templates (default CLIP's). */
  defaultTemplate?: string;
}

/** The texts of each class, in label order. */
export function classTexts(labels: readonly string[], src: PromptSources): string[][] {
  const templates = src.templates ?? [];
  const desc = src.descriptions;
  if (!desc && templates.length === 0) throw new UsageError("no templates and no descriptions");
  // A label without descriptions falls back to the templates, or to the family's default prompt.
  const dflt = src.defaultTemplate ?? DEFAULT_TEMPLATE;
  const fallback = templates.length > 0 ? templates : [dflt];
  const missing: string[] = [];
  const texts = labels.map((label) => {
    const fromTemplates = templates.map((t) => fillTemplate(t, label));
    if (!desc) return fromTemplates;
    // Own keys only: a label such as "constructor" must not find Object.prototype's.
    const d = Object.hasOwn(desc, label) ? desc[label] : [];
    if (d.length > 0) return [...d, ...fromTemplates];
    missing.push(label);
    return fallback.map((t) => fillTemplate(t, label));
  });
  if (missing.length > 0) {
    const names = missing.map((m) => JSON.stringify(m)).join(", ");
    if (!src.allowMissing) {
      throw new UsageError(
        `no descriptions for ${names} (allow a fallback to templates: --allow-missing on the command line, allowMissing in the library, "allow_missing": true over HTTP)`,
      );
    }
    src.onWarning?.(
      `no descriptions for ${names}: using ${templates.length > 0 ? "the templates" : `"${dflt}"`}`,
    );
  }
  return texts;
}

/** A text embedder: returns one embedding per text (unnormalized when asked). */
export interface TextEmbedder {
  embedTexts(
    texts: readonly string[],
    opts?: {
      normalize?: boolean;
      onProgress?: (done: number, total: number) => void;
      signal?: AbortSignal;
    },
  ): Promise<Float32Array[]>;
}

/**
 * L2-normalized class embeddings, one per class. All texts are embedded in one pass (identical
 * texts once), then aggregated per class.
 */
export async function classEmbeddings(
  model: TextEmbedder,
  texts: readonly (readonly string[])[],
  aggregate: Aggregate = "normalized-mean",
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  return (await classAndTextEmbeddings(model, texts, aggregate, onProgress, signal)).classes;
}

/**
 * The class embeddings and, kept from the same pass, each text's own L2-normalized embedding
 * (per class, in text order): what explanations compare images with.
 */
export async function classAndTextEmbeddings(
  model: TextEmbedder,
  texts: readonly (readonly string[])[],
  aggregate: Aggregate = "normalized-mean",
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<{ classes: Float32Array[]; texts: Float32Array[][] }> {
  const flat = texts.flat();
  const embeddings = await model.embedTexts(flat, {
    normalize: aggregate === "normalized-mean",
    onProgress,
    signal,
  });
  let offset = 0;
  const perClass = texts.map((group) => {
    const rows = embeddings.slice(offset, offset + group.length);
    offset += group.length;
    return rows;
  });
  return {
    classes: perClass.map((rows) => l2Normalize(meanVector(rows))),
    texts: perClass.map((rows) =>
      aggregate === "normalized-mean" ? rows : rows.map((r) => l2Normalize(r)),
    ),
  };
}
