import { Command, Option } from "commander";
import { type EvaluateOutcome, evaluate } from "../app/evaluate.js";
import { AGGREGATES, type Aggregate } from "../classify/class-embeddings.js";
import { prettyJson, SUMMARY_HEADER, summaryRows } from "../eval/json.js";
import { UsageError } from "../util/errors.js";
import {
  addImageOptions,
  addModelOptions,
  addScoringOptions,
  collect,
  type ModelFlags,
  nonNegativeInt,
  positiveInt,
} from "./common.js";
import {
  addEvalFewShotOptions,
  type EvalFewShotFlags,
  fewShotRequest,
  formatFewShotTable,
} from "./eval-fewshot.js";
import { runRetrievalEval } from "./eval-retrieval.js";
import { setExitCode } from "./exit.js";
import { addLabelsFileOption, type LabelsFileFlags, labelsFileFlag } from "./labels-file.js";
import { imageSettingsInput, modelRequest, printMessage } from "./model-choice.js";
import { formatTable } from "./output.js";
import { stageBars } from "./stage-bars.js";

type EvalFormat = "table" | "json";

interface EvalFlags extends ModelFlags, EvalFewShotFlags, LabelsFileFlags {
  strategy?: string[];
  /** Add each strategy's TransCLIP variant (docs/transductive.md). */
  transductive?: boolean;
  aggregate: Aggregate;
  allowMissing?: boolean;
  perClass?: number;
  limit?: number;
  seed: number;
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
  cache: boolean;
  format?: EvalFormat;
  out?: string;
  report?: string;
  /** Score the embeddings of a store made by `zeroclip index` (no image pass). */
  store?: string;
  task: "classification" | "retrieval";
}

export function evalCommand(): Command {
  const cmd = new Command("eval")
    .description("compare prompt strategies on a labelled image set (accuracy, confusion, report)")
    .argument(
      "[dataset]",
      "a folder with one subfolder per class, or a .csv / .jsonl / .json list of path,label " +
        "(with --task retrieval: a .csv / .jsonl / .json list of image,caption)",
    )
    .addOption(
      new Option("--task <task>", "what to evaluate")
        .choices(["classification", "retrieval"])
        .default("classification"),
    )
    .option(
      "--store <path>",
      "take image embeddings from a store made by `zeroclip index`; without a dataset, " +
        "every stored image, labelled by its folder name",
    )
    .option(
      "-s, --strategy <NAME=KIND:ARG>",
      "a prompt strategy (repeatable): single:TEMPLATE, ensemble:FILE[#KEY], cupl:FILE, " +
        "cupl+ensemble:DESC_FILE,TEMPLATES_FILE[#KEY]",
      collect,
    );
  addLabelsFileOption(
    cmd,
    "class display names: JSON list (sorted class order) or id→name map, CLIP_benchmark FILE#KEY",
    "--classnames",
  )
    .addOption(
      new Option("--aggregate <mode>", "how a class's text embeddings are combined")
        .choices(AGGREGATES as Aggregate[])
        .default("normalized-mean"),
    )
    .option("--allow-missing", "classes without descriptions use the strategy's templates")
    .option(
      "--per-class <n>",
      "at most n images per class (seeded sample)",
      positiveInt("--per-class"),
    )
    .option("--limit <n>", "at most n images in all (seeded sample)", positiveInt("--limit"))
    .option("--seed <n>", "seed of the sample's shuffle", nonNegativeInt("--seed"), 0)

    .option("--no-cache", "read and write no on-disk cache (eval uses the image-embedding cache)")
    .addOption(
      new Option(
        "--format <format>",
        "output format (default: table on a terminal, json when piped)",
      ).choices(["table", "json"]),
    )
    .option("-o, --out <file>", "also write the JSON results to this file")
    .option("--report <file>", "write a self-contained HTML report")
    .option(
      "--transductive",
      'also score each strategy with TransCLIP over all evaluated images ("NAME + TransCLIP")',
    );
  addEvalFewShotOptions(cmd);
  addImageOptions(cmd);
  addScoringOptions(addModelOptions(cmd));
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip eval photos/ -s base=single:"a photo of a {}." -s cupl=cupl:descriptions.json
  zeroclip eval --store photos.zcstore -s base=single:"a photo of a {}."
  zeroclip eval captions.csv --task retrieval --batch-size 64 --report retrieval.html
  zeroclip eval cifar10-test/ --per-class 50 --report report.html \\
    -s ens=ensemble:clip_benchmark_templates.json#cifar10 \\
    -s both=cupl+ensemble:cupl_cifar10_full.json,clip_benchmark_templates.json#cifar10
  zeroclip eval test/ --train train/ --shots 1,2,4,8,16 --seeds 1,2,3 --method tip-adapter,gda \
    -s base=single:"a photo of a {}." --report fewshot.html     (few-shot: docs/few-shot.md)

Images that cannot be read are listed under "failed" and left out of every metric.
--classnames is the old name of --labels-file (kept for one release).
Image embeddings are cached (see docs/eval.md), so another run with new strategies costs only text.
Exit codes: 0 all images scored, 1 some images failed, 2 usage error, 3 model error,
4 network error (hub).`,
  );
  cmd.action(async (dataset: string | undefined, flags: EvalFlags) =>
    setExitCode(await runEval(dataset, flags, cmd)),
  );
  return cmd;
}

export async function runEval(
  datasetPath: string | undefined,
  flags: EvalFlags,
  cmd?: Command,
): Promise<number> {
  const labelsFile = labelsFileFlag(flags);
  if (flags.task === "retrieval") {
    if (flags.strategy?.length) {
      throw new UsageError("--strategy applies to classification, not to --task retrieval");
    }
    return runRetrievalEval(datasetPath, flags, cmd);
  }
  const fewshot = fewShotRequest(flags);
  const format: EvalFormat = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  const bars = stageBars();
  try {
    const outcome = await evaluate(
      {
        dataset: datasetPath,
        store: flags.store,
        strategies: flags.strategy ?? [],
        labelsFile,
        aggregate: flags.aggregate,
        allowMissing: flags.allowMissing,
        perClass: flags.perClass,
        limit: flags.limit,
        seed: flags.seed,
        batchSize: flags.batchSize,
        image: imageSettingsInput(flags, cmd),
        imageCache: flags.cache,
        transductive: flags.transductive,
        fewshot,
        model: modelRequest(flags, cmd),
        out: flags.out,
        report: flags.report,
      },
      {
        onProgress: bars.update,
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
        onMessage: printMessage,
      },
    );
    bars.stop();
    return printEvaluation(outcome, format, flags.report);
  } finally {
    bars.stop();
  }
}

function printEvaluation(o: EvaluateOutcome, format: EvalFormat, report?: string): number {
  const p = o.result.imagePass;
  process.stderr.write(
    o.fromStore !== undefined
      ? `embeddings: ${p.cached} from ${o.fromStore}, ${p.failed} missing or failed\n`
      : `image pass: ${p.computed} computed, ${p.cached} cached, ${p.failed} failed ` +
          `(${o.images} images, ${o.imageSeconds.toFixed(1)} s)\n`,
  );
  if (o.fewshot) {
    const t = o.fewshot.trainPass;
    process.stderr.write(
      `few-shot train pass: ${t.computed} computed, ${t.cached} cached, ${t.failed.length} failed\n`,
    );
  }
  const table =
    formatTable(SUMMARY_HEADER, summaryRows(o.doc)) +
    (o.fewshot ? `\n${formatFewShotTable(o.fewshot)}` : "");
  if (format === "json") {
    process.stdout.write(prettyJson(o.doc) + "\n");
    process.stderr.write(table);
  } else process.stdout.write(table);
  const failed = o.result.failed;
  if (failed.length > 0) {
    const shown = failed.slice(0, 10);
    for (const f of shown) process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
    const more = failed.length - shown.length;
    if (more > 0) process.stderr.write(`… and ${more} more (listed in the JSON "failed")\n`);
    process.stderr.write(
      `${failed.length} of ${o.images} images failed and are left out of the metrics\n`,
    );
  }
  if (report) process.stderr.write(`report written to ${report}\n`);
  const trainFailed = o.fewshot?.trainPass.failed.length ?? 0;
  return failed.length > 0 || trainFailed > 0 ? 1 : 0;
}
