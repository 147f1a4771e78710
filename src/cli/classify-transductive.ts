/**
 * `classify --transductive`: embed every input (or read the store's embeddings), build the
 * neighbour graph with the store's nearest-neighbour engine, run TransCLIP over the whole set,
 * print. Parsing and printing only; the work is in classify/transductive and store/.
 */
import type { ClassifyResult, ZeroShotClassifier } from "../classify/classifier.js";
import { classifyTransductive, type EmbeddedInput } from "../classify/transductive.js";
import { expandInputs } from "../image/source.js";
import { storedEmbeddings } from "../store/classify.js";
import { buildNeighbourGraph } from "../store/neighbour-graph.js";
import type { VectorStore } from "../store/types.js";
import { TRANSCLIP_DEFAULTS } from "../transductive/transclip.js";
import { UsageError } from "../util/errors.js";
import { progressBar } from "../util/progress.js";

export interface TransductiveFlags {
  topK?: number;
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
  /** The n closest texts per predicted label (after `enableExplanations`). */
  explain?: number;
}

/** Classify all inputs (or the store's selection) together; results in input order. */
export async function runTransductive(
  classifier: ZeroShotClassifier,
  inputs: string[],
  flags: TransductiveFlags,
  store?: Pick<VectorStore, "list" | "get" | "location">,
): Promise<ClassifyResult[]> {
  // Each phase says what it starts on stderr (bars on a terminal), so a long run is never silent.
  const started = Date.now();
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const embedded: EmbeddedInput[] = store
    ? await storedEmbeddings(store, inputs)
    : await embedFiles(classifier, inputs, flags);
  const rows = embedded.flatMap((r) => (r.embedding ? [Float32Array.from(r.embedding)] : []));
  const failed = embedded.length - rows.length;
  process.stderr.write(
    `transductive: ${rows.length} images ${store ? `read from ${store.location}` : "embedded"}` +
      `${failed > 0 ? ` (${failed} failed)` : ""} in ${secs()}; building their neighbour graph\n`,
  );
  const built = buildNeighbourGraph(rows, { k: TRANSCLIP_DEFAULTS.neighbours });
  process.stderr.write(
    built.method === "hnsw"
      ? `transductive: neighbour graph from an HNSW index over ${rows.length} images (recall ${built.recall?.toFixed(4)} against exact search on sampled rows) at ${secs()}\n`
      : `transductive: neighbour graph by exact search at ${secs()}\n`,
  );
  const rounds = TRANSCLIP_DEFAULTS.rounds + 1;
  process.stderr.write(
    `transductive: TransCLIP over ${rows.length} images × ${classifier.labels.length} labels (${rounds} rounds)\n`,
  );
  const bar = progressBar("transductive", rounds, "rounds");
  try {
    const out = classifyTransductive(classifier.labels, classifier.classEmbeddings, embedded, {
      topK: flags.topK,
      explain: flags.explain,
      explainer: flags.explain ? await classifier.enableExplanations() : undefined,
      graph: built.graph,
      logitScale: classifier.model.logitScale,
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    for (const w of out.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stderr.write(
      `transductive: ${out.changed} of ${out.images} images changed label from zero-shot (${secs()} in all)\n`,
    );
    return out.results;
  } finally {
    bar.stop();
  }
}

async function embedFiles(
  classifier: ZeroShotClassifier,
  inputs: string[],
  flags: TransductiveFlags,
): Promise<EmbeddedInput[]> {
  const files = await expandInputs(inputs);
  if (files.length === 0) throw new UsageError("no images found in the given folders");
  const bar = progressBar("embed", files.length, "images");
  try {
    return await classifier.model.embedImages(files, {
      batchSize: flags.batchSize,
      exifOrientation: flags.exifOrientation,
      maxPixels: flags.maxPixels,
      onProgress: (done) => bar.update(done),
    });
  } finally {
    bar.stop();
  }
}
