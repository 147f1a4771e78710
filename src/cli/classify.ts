import { Command } from "commander";
import { classify } from "../app/classify.js";
import type { ClassifyResult } from "../classify/classifier.js";
import { parseLabelList, readLabelsFile, splitFileKey } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";
import { addAdapterOption } from "./classify-adapter.js";
import { addTransductiveOption } from "./classify-transductive.js";
import {
  addFormatOption,
  addImageOptions,
  addModelOptions,
  addScoringOptions,
  type ModelFlags,
  positiveInt,
  probability,
} from "./common.js";
import { setExitCode } from "./exit.js";
import { imageSettingsInput, modelRequest, printMessage } from "./model-choice.js";
import { defaultFormat, type Format, formatTable, printRecords, roundScore } from "./output.js";
import { addPromptOptions, type PromptFlags, promptsFromFlags } from "./prompt-options.js";
import { stageBars } from "./stage-bars.js";

interface ClassifyFlags extends ModelFlags, PromptFlags {
  labels?: string;
  labelsFile?: string;
  cache: boolean;
  topK?: number;
  minScore?: number;
  format?: Format;
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
  adapter?: string;
  /** Classify the embeddings of a store made by `zeroclip index` (no image pass). */
  store?: string;
  /** TransCLIP over the whole set of inputs (docs/transductive.md). */
  transductive?: boolean;
  /** `--explain [n]`: the n closest texts per predicted label (true = 3). */
  explain?: number | true;
}

export function classifyCommand(): Command {
  const base = new Command("classify")
    .description("classify images into the given labels, zero-shot")
    .argument("[inputs...]", "image files, folders (searched recursively) or http(s) URLs")
    .option("-l, --labels <list>", 'comma-separated class names, e.g. "tree frog,tailed frog"')
    .option(
      "--labels-file <file>",
      "class names: one per line, or a JSON list (FILE#KEY for a map)",
    );
  const cmd = addPromptOptions(base)
    .option(
      "--no-cache",
      "do not read or write the class-embedding cache ($ZEROCLIP_CACHE/class-embeddings)",
    )
    .option(
      "-k, --top-k <k>",
      "show the k best labels (probabilities are over all labels)",
      positiveInt("--top-k"),
    )
    .option(
      "--min-score <p>",
      "drop labels scoring below p (meaningful for SigLIP, whose scores are independent per label)",
      probability("--min-score"),
    );
  addAdapterOption(cmd);
  addImageOptions(cmd);
  addScoringOptions(addModelOptions(cmd));
  cmd.option(
    "--store <path>",
    "classify the embeddings stored by `zeroclip index` (inputs select files or folders in it)",
  );
  addTransductiveOption(cmd);
  cmd.option(
    "--explain [n]",
    "add to each label the n descriptions/templates closest to the image, with cosines (default 3)",
    positiveInt("--explain"),
  );
  addFormatOption(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip classify frog.jpg --labels "tree frog,tailed frog"
  zeroclip classify photos/ --labels-file labels.txt --top-k 3 --format jsonl > out.jsonl
  zeroclip classify cat.png -l "cat,dog" -t "a photo of a {}." -t "a drawing of a {}."
  zeroclip classify frog.jpg -l "tree frog,tailed frog" --descriptions descriptions.json
  zeroclip classify new-photos/ --adapter photos.safetensors   (from \`zeroclip adapt\`)
  zeroclip classify --store photos.zcstore --labels "cat,dog,frog" --format jsonl
  zeroclip classify photos/ --labels-file labels.txt --transductive   (the whole set at once)

Output (jsonl): {"input": "...", "predictions": [{"label": "...", "score": 0.93}, ...]}
                 with --explain: each prediction also has "explanation": [{"text": "...", "cosine": 0.31}, ...]
                 or {"input": "...", "code": "...", "error": "..."} for an input that failed
                 (code: docs/errors.md).
Scores: CLIP's are a softmax over the labels (they sum to 1); SigLIP's are one sigmoid per
label, each independent of the others (they need not sum to 1; --min-score filters them).
Exit codes: 0 all inputs classified, 1 some inputs failed, 2 usage error, 3 model error,
4 network error (hub).`,
  );
  cmd.action(async (inputs: string[], flags: ClassifyFlags) =>
    setExitCode(await runClassify(inputs, flags, cmd)),
  );
  return cmd;
}

/** Labels from --labels or --labels-file (at most one; undefined when neither is given). */
export async function labelsOption(flags: {
  labels?: string;
  labelsFile?: string;
}): Promise<string[] | undefined> {
  if (flags.labels && flags.labelsFile)
    throw new UsageError("give --labels or --labels-file, not both");
  if (flags.labels) return parseLabelList(flags.labels);
  if (flags.labelsFile) {
    const { file, key } = splitFileKey(flags.labelsFile);
    return readLabelsFile(file, key);
  }
  return undefined;
}

/** Labels from --labels or --labels-file (exactly one). */
export async function labelsFromFlags(flags: {
  labels?: string;
  labelsFile?: string;
}): Promise<string[]> {
  const labels = await labelsOption(flags);
  if (labels) return labels;
  throw new UsageError('labels are required: --labels "a,b,c" or --labels-file FILE');
}

export async function runClassify(
  inputs: string[],
  flags: ClassifyFlags,
  cmd?: Command,
): Promise<number> {
  const { templates, descriptions } = await promptsFromFlags(flags);
  const format = flags.format ?? defaultFormat();
  const bars = stageBars();
  // jsonl is written as each result is known, so a long run's output survives an interruption.
  const outcome = await classify(
    {
      inputs,
      labels: await labelsOption(flags),
      templates,
      descriptions,
      aggregate: flags.aggregate,
      allowMissing: flags.allowMissing,
      store: flags.store,
      adapter: flags.adapter,
      transductive: flags.transductive,
      topK: flags.topK,
      minScore: flags.minScore,
      explain: flags.explain === true ? 3 : flags.explain,
      model: modelRequest(flags, cmd),
      image: imageSettingsInput(flags, cmd),
      batchSize: flags.batchSize,
      cache: flags.cache,
    },
    {
      onProgress: bars.update,
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      onMessage: printMessage,
      onResult: (r) => {
        if (format === "jsonl") process.stdout.write(JSON.stringify(toRecord(r)) + "\n");
      },
    },
  ).finally(() => bars.stop());
  if (format !== "jsonl") printResults(outcome.results, format);
  const { failed, results } = outcome;
  if (failed > 0) process.stderr.write(`${failed} of ${results.length} inputs failed\n`);
  return failed > 0 ? 1 : 0;
}

/** The output record of one input (the CLI contract). */
function toRecord(r: ClassifyResult): Record<string, unknown> {
  return r.error !== undefined
    ? { input: r.input, code: r.code, error: r.error }
    : {
        input: r.input,
        predictions: r.predictions.map((p) => ({
          label: p.label,
          score: roundScore(p.score),
          ...(p.explanation && {
            explanation: p.explanation.map((e) => ({ text: e.text, cosine: roundScore(e.cosine) })),
          }),
        })),
      };
}

function printResults(results: readonly ClassifyResult[], format: "json" | "table"): void {
  if (format === "json") {
    printRecords(results.map(toRecord), format);
    return;
  }
  const rows: string[][] = [];
  for (const r of results) {
    if (r.error !== undefined) rows.push([r.input, "error", r.error]);
    else
      for (const [i, p] of r.predictions.entries()) {
        rows.push([i === 0 ? r.input : "", p.label, p.score.toFixed(4)]);
        for (const e of p.explanation ?? []) rows.push(["", `  ${e.cosine.toFixed(3)}`, e.text]);
      }
  }
  process.stdout.write(formatTable(["input", "label", "score"], rows));
}
