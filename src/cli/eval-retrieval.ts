import type { Command } from "commander";
import { evaluateRetrievalPairs } from "../app/evaluate-retrieval.js";
import { prettyJson } from "../eval/json.js";
import { retrievalRows } from "../eval/retrieval-eval.js";
import { UsageError } from "../util/errors.js";
import type { ModelFlags } from "./common.js";
import { imageSettingsInput, modelRequest, printMessage } from "./model-choice.js";
import { formatTable } from "./output.js";
import { stageBars } from "./stage-bars.js";

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

/** `zeroclip eval PAIRS --task retrieval`: flags → `evaluateRetrievalPairs` → print. */
export async function runRetrievalEval(
  pairsPath: string | undefined,
  flags: RetrievalFlags,
  cmd?: Command,
): Promise<number> {
  if (pairsPath === undefined) {
    throw new UsageError(
      "--task retrieval needs a pairs file: a .csv / .jsonl / .json of image,caption",
    );
  }
  const format = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  const bars = stageBars();
  try {
    const { result, doc, images } = await evaluateRetrievalPairs(
      {
        pairs: pairsPath,
        store: flags.store,
        batchSize: flags.batchSize,
        image: imageSettingsInput(flags, cmd),
        imageCache: flags.cache,
        model: modelRequest(flags, cmd),
        out: flags.out,
        report: flags.report,
      },
      { onProgress: bars.update, onMessage: printMessage },
    );
    bars.stop();
    const m = result.metrics;
    const table =
      formatTable(["direction", "R@1", "R@5", "R@10"], retrievalRows(m)) +
      `contrastive loss: ${m.contrastive_loss.toFixed(4)} (${m.pairs} pairs as one batch), ` +
      `${m.batch_contrastive_loss.toFixed(4)} (mean over batches of ${m.batch_size})\n`;
    if (format === "json") {
      process.stdout.write(prettyJson(doc) + "\n");
      process.stderr.write(table);
    } else process.stdout.write(table);
    for (const f of result.failed.slice(0, 10)) {
      process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
    }
    if (result.failed.length > 0) {
      process.stderr.write(
        `${result.failed.length} of ${images} images failed and are left out, with their captions\n`,
      );
    }
    if (flags.report) process.stderr.write(`report written to ${flags.report}\n`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    bars.stop();
  }
}
