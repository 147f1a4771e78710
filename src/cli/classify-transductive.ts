/**
 * `classify --transductive`: embed every input (or read the store's embeddings), run TransCLIP
 * over the whole set (exact neighbour graph and solver on onnxruntime's GEMM), print. Parsing
 * and printing only; the work is in classify/transductive and store/.
 */
import type { ClassifyResult, ZeroShotClassifier } from "../classify/classifier.js";
import { classifyTransductive, type EmbeddedInput } from "../classify/transductive.js";
import { expandInputs } from "../image/source.js";
import { storedEmbeddings } from "../store/classify.js";
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
  const embedded: EmbeddedInput[] = store
    ? await storedEmbeddings(store, inputs)
    : await embedFiles(classifier, inputs, flags);
  const bar = progressBar("transductive", TRANSCLIP_DEFAULTS.rounds + 1, "rounds");
  try {
    const out = await classifyTransductive(
      classifier.labels,
      classifier.classEmbeddings,
      embedded,
      {
        topK: flags.topK,
        explain: flags.explain,
        explainer: flags.explain ? await classifier.enableExplanations() : undefined,
        logitScale: classifier.model.logitScale,
        onProgress: (done) => bar.update(done),
      },
    );
    bar.stop();
    for (const w of out.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stderr.write(
      `transductive: ${out.changed} of ${out.images} images changed label from zero-shot\n`,
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
