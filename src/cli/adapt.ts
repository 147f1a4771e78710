import { Command, InvalidArgumentError, Option } from "commander";
import { adaptFromDataset } from "../adapt/adapt.js";
import { ADAPTER_METHODS, type AdapterMethod } from "../adapt/adapter.js";
import { writeAdapterFile } from "../adapt/adapter-file.js";
import { openImageStore } from "../cache/image-pass.js";
import { readClassnames } from "../dataset/classnames.js";
import { loadDataset } from "../dataset/dataset.js";
import { lazyProgressBar, type Progress, progressBar } from "../util/progress.js";
import {
  addImageOptions,
  addModelOptions,
  addScoringOptions,
  loadModel,
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
import { formatTable } from "./output.js";
import { addPromptOptions, type PromptFlags, promptsFromFlags } from "./prompt-options.js";

interface AdaptFlags extends ModelFlags, PromptFlags, FewShotFlags {
  out: string;
  method: AdapterMethod;
  shots?: number;
  seed: number;
  classnames?: string;
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
        .choices(ADAPTER_METHODS as unknown as string[])
        .makeOptionMandatory(),
    )
    .option(
      "--shots <k>",
      "images per class drawn from SUPPORT (default all)",
      positiveInt("--shots"),
    )
    .option("--seed <n>", "seed of the draws and the augmented views", nonNegativeInt("--seed"), 0)
    .option(
      "--classnames <file[#key]>",
      "class display names (as in eval): JSON list in sorted class order, or id→name map",
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
    "do not read or write the class- and image-embedding caches",
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
Exit codes: 0 ok, 1 some support images could not be read (left out), 2 usage error, 3 model
error, 4 network error (hub).`,
  );
  cmd.action(async (support: string, flags: AdaptFlags) =>
    setExitCode(await runAdapt(support, flags)),
  );
  return cmd;
}

export async function runAdapt(supportPath: string, flags: AdaptFlags): Promise<number> {
  const prompts = await promptsFromFlags(flags);
  const classnames = flags.classnames ? await readClassnames(flags.classnames) : undefined;
  const support = await loadDataset(supportPath, classnames);
  const val = flags.val ? await loadDataset(flags.val, classnames) : undefined;
  const format = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  const model = await loadModel(flags);
  try {
    const store = flags.cache ? await openImageStore(model, flags.exifOrientation) : undefined;
    const textBar = lazyProgressBar("class texts", "texts", { minTotal: 256 });
    let bar: Progress | undefined;
    const result = await adaptFromDataset(model, {
      ...prompts,
      method: flags.method,
      support,
      shots: flags.shots,
      seed: flags.seed,
      augmentViews: flags.augmentViews,
      val,
      valSplit: flags.valSplit,
      params: { alpha: flags.alpha, beta: flags.beta, gamma: flags.gamma },
      grid: gridFromFlags(flags),
      aggregate: flags.aggregate,
      allowMissing: flags.allowMissing,
      cache: flags.cache,
      store,
      batchSize: flags.batchSize,
      exifOrientation: flags.exifOrientation,
      maxPixels: flags.maxPixels,
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      onTextProgress: textBar.update,
      onStage: (stage, n) => {
        textBar.stop();
        bar?.stop();
        const views = stage === "support" && flags.augmentViews > 0;
        bar = progressBar(
          views ? "support views" : `${stage} images`,
          n,
          views ? "views" : "images",
        );
      },
      onProgress: (done) => bar?.update(done),
    });
    bar?.stop();
    await writeAdapterFile(flags.out, result.file);
    const p = result.imagePass;
    process.stderr.write(
      `image pass: ${p.computed} computed, ${p.cached} cached, ${result.failed.length} failed\n`,
    );
    for (const f of result.failed) process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
    const a = result.file.adapter;
    const s = result.search;
    const chosen = [`α = ${a.alpha}`];
    if (a.method !== "gda") chosen.push(`β = ${a.beta}`);
    if (a.method === "tip-x") chosen.push(`γ = ${a.gamma}`);
    process.stderr.write(
      s
        ? `searched on ${s.count} validation images: ${chosen.join(", ")} ` +
            `(validation top-1 ${((100 * s.correct) / Math.max(1, s.count)).toFixed(2)}%)\n`
        : `no validation set: ${chosen.join(", ")} ` +
            `(${[flags.alpha, flags.beta, flags.gamma].some((v) => v !== undefined) ? "as given" : "defaults"}; ` +
            "search them with --val or --val-split)\n",
    );
    const summary = {
      out: flags.out,
      method: a.method,
      classes: a.classes.length,
      support_images: result.supportImages.length,
      augment_views: flags.augmentViews,
      alpha: a.alpha,
      beta: a.method === "gda" ? null : a.beta,
      gamma: a.method === "tip-x" ? a.gamma : null,
      searched: !!s,
      val_images: s?.count ?? 0,
      val_top1: s ? s.correct / Math.max(1, s.count) : null,
      failed: result.failed.map((f) => ({ input: f.input, code: f.code, error: f.error })),
    };
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
    await model.dispose();
  }
}
