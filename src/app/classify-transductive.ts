/**
 * The transductive variant of classify: the whole set's embeddings (fresh, or read from a
 * store) go through TransCLIP at once, over an exact neighbour graph computed with
 * onnxruntime's GEMM (classify/transductive.ts; docs/transductive.md, "Scale"). Results are
 * known only at the end.
 */
import type { ClassifyResult, ZeroShotClassifier } from "../classify/classifier.js";
import { classifyTransductive, type EmbeddedInput } from "../classify/transductive.js";
import { TRANSCLIP_DEFAULTS } from "../transductive/transclip.js";
import type { UseCaseEvents } from "./events.js";

/** How the set went: how many images took part and how many labels transduction changed. */
export interface TransductiveReport {
  /** Images in the set (inputs with an embedding). */
  images: number;
  /** Images whose label differs from the zero-shot one. */
  changed: number;
  /** The neighbour graph: exact kNN (float32 candidates re-scored in float64). */
  graph: { method: "exact" };
}

/**
 * Classify the embedded set together; results in input order. Each phase is announced as it
 * starts (`onMessage`), with the time since `phase.started` (when embedding or reading began),
 * so a long run is never silent.
 */
export async function classifySet(
  classifier: ZeroShotClassifier,
  embedded: readonly EmbeddedInput[],
  opts: { topK?: number; explain?: number },
  events: UseCaseEvents = {},
  phase: { source: string; started: number } = { source: "given", started: Date.now() },
): Promise<{ results: ClassifyResult[]; report: TransductiveReport }> {
  const secs = () => `${((Date.now() - phase.started) / 1000).toFixed(1)} s`;
  const images = embedded.filter((r) => r.embedding !== undefined).length;
  const failed = embedded.length - images;
  events.onMessage?.(
    `transductive: ${images} images ${phase.source}${failed > 0 ? ` (${failed} failed)` : ""} in ${secs()}; exact neighbour graph, then TransCLIP over ${images} images × ${classifier.labels.length} labels (${TRANSCLIP_DEFAULTS.rounds + 1} rounds)`,
  );
  const total = TRANSCLIP_DEFAULTS.rounds + 1;
  const out = await classifyTransductive(
    classifier.labels,
    classifier.classEmbeddings,
    [...embedded],
    {
      topK: opts.topK,
      explain: opts.explain,
      explainer: opts.explain ? await classifier.enableExplanations() : undefined,
      logitScale: classifier.model.logitScale,
      onProgress: (done) =>
        events.onProgress?.({ stage: "transductive", unit: "rounds", done, total }),
    },
  );
  for (const w of out.warnings) events.onWarning?.(w);
  events.onMessage?.(
    `transductive: ${out.changed} of ${out.images} images changed label from zero-shot (${secs()} in all)`,
  );
  return {
    results: out.results,
    report: { images: out.images, changed: out.changed, graph: { method: "exact" } },
  };
}
