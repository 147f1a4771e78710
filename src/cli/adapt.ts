import { Command, InvalidArgumentError, Option } from "commander";
import { ADAPTER_METHODS, type AdapterMethod } from "../adapt/adapter.js";
import { adapt } from "../app/adapt.js";
import {
  addImageOptions,
  addModelOptions,
  addScoringOptions,
  type ModelFlags,
  nonNegativeInt,
  positiveInt,
} from "./common.js";
import { setExitCode } from "./exit.js";
import {
  addFewShotOptions,
  type FewShotFlags,
  gridFromFlags,
  nonNegativeNumber,
} from "./fewshot-options.js";
import { addLabelsFileOption, type LabelsFileFlags, labelsFileFlag } from "./labels-file.js";
import { imageSettingsInput, modelRequest, printMessage } from "./model-choice.js";
import { formatTable } from "./output.js";
import { addPromptOptions, type PromptFlags, promptsFromFlags } from "./prompt-options.js";
import { stageBars } from "./stage-bars.js";

interface AdaptFlags extends ModelFlags, PromptFlags, FewShotFlags, LabelsFileFlags {
  out: string;
  method: AdapterMethod;
  shots?: number;
  seed: number;
  val?: string;
  valSplit?: number;
  alpha?: number;
  beta?: number;
  gamma?: number;
  cache: boolean;
  format?: "table" | "json";
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1))
    throw new InvalidArgumentError("--val-split must be a fraction between 0 and 1");
  return n;
}

export function adaptCommand(): Command {
  const cmd = new Command("adapt")
    .description(
      "build a training-free few-shot adapter (Tip-Adapter, TIP-X or GDA) from labelled images",
    )
    .argument(
      "<support>",
      "labelled images: a folder of class folders, or a .csv / .jsonl / .json list of path,label",
    )
    .requiredOption("-o, --out <file>", "the adapter file to write (.safetensors)")
    .addOption(
      new Option("--method <method>", "the adapter")
        .choices([...ADAPTER_METHODS])
        .makeOptionMandatory(),
    )
    .option(
      "--shots <k>",
      "images per class drawn from SUPPORT (default all)",
      positiveInt("--shots"),
    )
    .option("--seed <n>", "seed of the draws and the augmented views", nonNegativeInt("--seed"), 0);
  addLabelsFileOption(
    cmd,
    "class display names (as in eval): JSON list in sorted class order, or id→name map",
    "--classnames",
  )
    .option("--val <dataset>", "search the hyperparameters on this labelled set")
    .option(
      "--val-split <f>",
      "or search on this fraction of each class of SUPPORT, held out (seeded)",
      fraction,
    );
  addFewShotOptions(cmd)
    .option("--alpha <a>", "α without a search (default 1)", nonNegativeNumber("--alpha"))
    .option(
      "--beta <b>",
      "β without a search (default 5.5; tip-adapter, tip-x)",
      nonNegativeNumber("--beta"),
    )
    .option("--gamma <g>", "γ without a search (default 0.1; tip-x)", nonNegativeNumber("--gamma"));
  addPromptOptions(cmd).option(
    "--no-cache",
    "read and write no on-disk cache (adapt uses the image- and class-embedding caches)",
  );
  addImageOptions(cmd);
  addScoringOptions(addModelOptions(cmd));
  cmd.addOption(
    new Option(
      "--format <format>",
      "summary format (default: table on a terminal, json when piped)",
    ).choices(["table", "json"]),
  );
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip adapt photos/ --method tip-adapter --shots 16 --out photos.safetensors
  zeroclip adapt train.csv --method gda --shots 16 --val val.csv --out gda.safetensors
  zeroclip adapt photos/ --method tip-x --val-split 0.2 --templates-file templates.json#cifar10 \\
    --out tipx.safetensors
  zeroclip classify new-photos/ --adapter photos.safetensors

Without --val / --val-split the defaults are used (α = 1, β = 5.5; TIP-X γ = 0.1). The labels
are SUPPORT's class names; see docs/few-shot.md for the formulas and the search.
--classnames is the old name of --labels-file (kept for one release).
Exit codes: 0 ok, 1 some support images could not be read (left out), 2 usage error, 3 model
error, 4 network error (hub).`,
  );
  cmd.action(async (support: string, flags: AdaptFlags) =>
    setExitCode(await runAdapt(support, flags, cmd)),
  );
  return cmd;
}

export async function runAdapt(
  supportPath: string,
  flags: AdaptFlags,
  cmd?: Command,
): Promise<number> {
  const prompts = await promptsFromFlags(flags);
  const format = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  const bars = stageBars();
  try {
    const { result, summary, chosenBy } = await adapt(
      {
        ...prompts,
        support: supportPath,
        out: flags.out,
        method: flags.method,
        shots: flags.shots,
        seed: flags.seed,
        labelsFile: labelsFileFlag(flags),
        val: flags.val,
        valSplit: flags.valSplit,
        params: { alpha: flags.alpha, beta: flags.beta, gamma: flags.gamma },
        augmentViews: flags.augmentViews,
        grid: gridFromFlags(flags),
        aggregate: flags.aggregate,
        allowMissing: flags.allowMissing,
        imageCache: flags.cache,
        classCache: flags.cache,
        batchSize: flags.batchSize,
        image: imageSettingsInput(flags, cmd),
        model: modelRequest(flags, cmd),
      },
      {
        onProgress: bars.update,
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
        onMessage: printMessage,
      },
    );
    bars.stop();
    const p = result.imagePass;
    process.stderr.write(
      `image pass: ${p.computed} computed, ${p.cached} cached, ${result.failed.length} failed\n`,
    );
    for (const f of result.failed) process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
    const chosen = [`α = ${summary.alpha}`];
    if (summary.beta !== null) chosen.push(`β = ${summary.beta}`);
    if (summary.gamma !== null) chosen.push(`γ = ${summary.gamma}`);
    process.stderr.write(
      chosenBy === "search"
        ? `searched on ${summary.val_images} validation images: ${chosen.join(", ")} ` +
            `(validation top-1 ${(100 * (summary.val_top1 ?? 0)).toFixed(2)}%)\n`
        : `no validation set: ${chosen.join(", ")} ` +
            `(${chosenBy === "request" ? "as given" : "defaults"}; ` +
            "search them with --val or --val-split)\n",
    );
    if (format === "json") process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    else {
      const rows = Object.entries(summary)
        .filter(([k]) => k !== "failed")
        .map(([k, v]) => [k, v === null ? "" : String(v)]);
      process.stdout.write(formatTable(["adapter", "value"], rows));
    }
    process.stderr.write(`adapter written to ${flags.out}\n`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    bars.stop();
  }
}
