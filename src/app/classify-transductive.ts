/**
 * The transductive variant of classify: the whole set's embeddings (fresh, or read from a
 * store) go through TransCLIP at once, over a neighbour graph from the store's
 * nearest-neighbour engine. Results are known only at the end.
 */
import type { ClassifyResult, ZeroShotClassifier } from "../classify/classifier.js";
import { classifyTransductive, type EmbeddedInput } from "../classify/transductive.js";
import { buildNeighbourGraph } from "../store/neighbour-graph.js";
import { TRANSCLIP_DEFAULTS } from "../transductive/transclip.js";
import type { UseCaseEvents } from "./events.js";

/** How the set went: the neighbour graph's method and how many labels transduction changed. */
export interface TransductiveReport {
  /** Images in the set (inputs with an embedding). */
  images: number;
  /** Images whose label differs from the zero-shot one. */
  changed: number;
  /** `exact` kNN, or an `hnsw` index with its recall measured on sampled rows. */
  graph: { method: "exact" | "hnsw"; recall?: number };
}

/** Classify the embedded set together; results in input order. */
export async function classifySet(
  classifier: ZeroShotClassifier,
  embedded: readonly EmbeddedInput[],
  opts: { topK?: number; explain?: number },
  events: UseCaseEvents = {},
): Promise<{ results: ClassifyResult[]; report: TransductiveReport }> {
  const rows = embedded.flatMap((r) => (r.embedding ? [Float32Array.from(r.embedding)] : []));
  const built = buildNeighbourGraph(rows, { k: TRANSCLIP_DEFAULTS.neighbours });
  if (built.method === "hnsw") {
    events.onMessage?.(
      `transductive: neighbour graph from an HNSW index over ${rows.length} images (recall ${built.recall?.toFixed(4)} against exact search on sampled rows)`,
    );
  }
  const total = TRANSCLIP_DEFAULTS.rounds + 1;
  const out = classifyTransductive(classifier.labels, classifier.classEmbeddings, [...embedded], {
    topK: opts.topK,
    explain: opts.explain,
    explainer: opts.explain ? await classifier.enableExplanations() : undefined,
    graph: built.graph,
    logitScale: classifier.model.logitScale,
    onProgress: (done) => events.onProgress?.("transductive", done, total),
  });
  for (const w of out.warnings) events.onWarning?.(w);
  events.onMessage?.(
    `transductive: ${out.changed} of ${out.images} images changed label from zero-shot`,
  );
  return {
    results: out.results,
    report: {
      images: out.images,
      changed: out.changed,
      graph: { method: built.method, recall: built.recall },
    },
  };
}
