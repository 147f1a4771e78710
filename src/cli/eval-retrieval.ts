import type { Command } from "commander";
import { openImageStore } from "../cache/image-pass.js";
import { prettyJson } from "../eval/json.js";
import { loadPairs } from "../eval/pairs.js";
import { evaluateRetrieval, retrievalJson, retrievalRows } from "../eval/retrieval-eval.js";
import { writeRetrievalReport } from "../eval/retrieval-report.js";
import { storedImagePass } from "../store/dataset.js";
import { writeFileAtomic } from "../util/atomic.js";
import { UsageError } from "../util/errors.js";
import { lazyProgressBar, progressBar } from "../util/progress.js";
import { loadModel, type ModelFlags } from "./common.js";
import { formatTable } from "./output.js";
import { openStoreModel } from "./store-common.js";

interface RetrievalFlags extends ModelFlags {
  store?: string;
  cache: boolean;
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
  format?: "table" | "json";
  out?: string;
  report?: string;
}

/** `zeroclip eval PAIRS --task retrieval`: parse, run `evaluateRetrieval`, print. */
export async function runRetrievalEval(
  pairsPath: string | undefined,
  flags: RetrievalFlags,
  cmd: Command,
): Promise<number> {
  if (pairsPath === undefined) {
    throw new UsageError(
      "--task retrieval needs a pairs file: a .csv / .jsonl / .json of image,caption",
    );
  }
  const pairs = await loadPairs(pairsPath);
  const format = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  const stored = flags.store
    ? await openStoreModel(flags.store, flags, cmd, { readonly: true })
    : undefined;
  const model = stored?.model ?? (await loadModel(flags));
  try {
    const cache =
      flags.cache && !stored ? await openImageStore(model, flags.exifOrientation) : undefined;
    const bar = progressBar("images", pairs.images.length, "images");
    const textBar = lazyProgressBar("captions", "texts", { minTotal: 256 });
    const result = await evaluateRetrieval(model, pairs, {
      store: cache,
      imagePass: stored
        ? await storedImagePass(
            stored.store,
            pairs.images.map((path) => ({ path, label: 0 })),
          )
        : undefined,
      batchSize: flags.batchSize,
      lossBatchSize: flags.batchSize,
      logitScale: model.logitScale,
      exifOrientation: flags.exifOrientation,
      maxPixels: flags.maxPixels,
      onProgress: (done) => bar.update(done),
      onImagesDone: () => bar.stop(),
      onTextProgress: textBar.update,
    });
    textBar.stop();
    const doc = retrievalJson(result, { dataset: pairsPath, model: stored?.name ?? model.dir });
    const text = prettyJson(doc) + "\n";
    if (flags.out) await writeFileAtomic(flags.out, text);
    if (flags.report) {
      await writeRetrievalReport(flags.report, result, { dataset: pairsPath, model: model.dir });
    }
    const m = result.metrics;
    const table =
      formatTable(["direction", "R@1", "R@5", "R@10"], retrievalRows(m)) +
      `contrastive loss: ${m.contrastive_loss.toFixed(4)} (${m.pairs} pairs as one batch), ` +
      `${m.batch_contrastive_loss.toFixed(4)} (mean over batches of ${m.batch_size})\n`;
    if (format === "json") {
      process.stdout.write(text);
      process.stderr.write(table);
    } else process.stdout.write(table);
    for (const f of result.failed.slice(0, 10)) {
      process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
    }
    if (result.failed.length > 0) {
      process.stderr.write(
        `${result.failed.length} of ${pairs.images.length} images failed and are left out, with their captions\n`,
      );
    }
    if (flags.report) process.stderr.write(`report written to ${flags.report}\n`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await (stored ? stored.close() : model.dispose());
  }
}
