import { Command, Option } from "commander";
import type { ImageEmbeddingStore } from "../cache/embedding-store.js";
import { openImageStore } from "../cache/image-pass.js";
import { AGGREGATES, type Aggregate } from "../classify/class-embeddings.js";
import { type Classnames, readClassnames } from "../dataset/classnames.js";
import { type Dataset, loadDataset } from "../dataset/dataset.js";
import { type EvaluateOptions, evaluateStrategies } from "../eval/evaluate.js";
import { evalJson, prettyJson, SUMMARY_HEADER, summaryRows } from "../eval/json.js";
import { writeReport } from "../eval/report.js";
import { loadStrategy, type PromptStrategy, parseStrategies } from "../eval/strategies.js";
import { evaluateStored, storeDataset } from "../store/dataset.js";
import { buildNeighbourGraph } from "../store/neighbour-graph.js";
import { TRANSCLIP_DEFAULTS } from "../transductive/transclip.js";
import { writeFileAtomic } from "../util/atomic.js";
import { UsageError } from "../util/errors.js";
import { lazyProgressBar, progressBar } from "../util/progress.js";
import { sampleItems } from "../util/sample.js";
import {
  addImageOptions,
  addModelOptions,
  addScoringOptions,
  collect,
  loadModel,
  type ModelFlags,
  nonNegativeInt,
  positiveInt,
} from "./common.js";
import {
  addEvalFewShotOptions,
  addFewShotJson,
  checkEvalFewShotFlags,
  type EvalFewShotFlags,
  formatFewShotTable,
  loadEvalFewShot,
  runEvalFewShot,
} from "./eval-fewshot.js";
import { runRetrievalEval } from "./eval-retrieval.js";
import { setExitCode } from "./exit.js";
import { formatTable } from "./output.js";
import { openStoreModel, type StoreModel } from "./store-common.js";

type EvalFormat = "table" | "json";

interface EvalFlags extends ModelFlags, EvalFewShotFlags {
  strategy?: string[];
  /** Add each strategy's TransCLIP variant (docs/transductive.md). */
  transductive?: boolean;
  classnames?: string;
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
    )
    .option(
      "--classnames <file[#key]>",
      "class display names: JSON list (sorted class order) or id→name map, CLIP_benchmark FILE#KEY",
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

    .option("--no-cache", "do not read or write the image-embedding cache")
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
  if (flags.task === "retrieval") {
    if (flags.strategy?.length) {
      throw new UsageError("--strategy applies to classification, not to --task retrieval");
    }
    return runRetrievalEval(datasetPath, flags, cmd ?? evalCommand());
  }
  if (datasetPath === undefined && !flags.store) {
    throw new UsageError("give a dataset (a folder or a list file), or --store");
  }
  checkEvalFewShotFlags(flags);
  if (flags.transductive && flags.train) {
    throw new UsageError("--transductive compares zero-shot strategies: run it without --train");
  }
  const specs = parseStrategies(flags.strategy ?? []);
  const strategies = await Promise.all(specs.map(loadStrategy));
  const classnames: Classnames | undefined = flags.classnames
    ? await readClassnames(flags.classnames)
    : undefined;
  const stored = flags.store
    ? await openStoreModel(flags.store, flags, cmd ?? evalCommand(), { readonly: true })
    : undefined;
  try {
    const dataset = stored
      ? await storeDataset(stored.store, datasetPath, classnames)
      : await loadDataset(datasetPath!, classnames);
    return await evaluateDataset(
      datasetPath ?? stored!.store.location,
      dataset,
      strategies,
      flags,
      stored,
      classnames,
    );
  } finally {
    await stored?.close();
  }
}

async function evaluateDataset(
  datasetPath: string,
  dataset: Dataset,
  strategies: PromptStrategy[],
  flags: EvalFlags,
  stored: StoreModel | undefined,
  classnames: Classnames | undefined,
): Promise<number> {
  const images = sampleItems(dataset.items, {
    perClass: flags.perClass,
    limit: flags.limit,
    seed: flags.seed,
  });
  const fewShotSets = await loadEvalFewShot(flags, classnames, {
    classes: dataset.classes.names,
    images,
  });
  const format: EvalFormat = flags.format ?? (process.stdout.isTTY ? "table" : "json");
  const model = stored?.model ?? (await loadModel(flags));
  try {
    const store: ImageEmbeddingStore | undefined =
      flags.cache && !stored ? await openImageStore(model, flags.exifOrientation) : undefined;
    const bar = progressBar("images", images.length, "images");
    const started = Date.now();
    let imageSeconds = 0;
    let textBar: ReturnType<typeof lazyProgressBar> | undefined;
    const opts: EvaluateOptions = {
      store,
      aggregate: flags.aggregate,
      allowMissing: flags.allowMissing,
      batchSize: flags.batchSize,
      exifOrientation: flags.exifOrientation,
      maxPixels: flags.maxPixels,
      onProgress: (done) => bar.update(done),
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      onStage: (stage, detail) => {
        textBar?.stop();
        textBar = undefined;
        if (stage === "images-done") {
          bar.stop();
          imageSeconds = (Date.now() - started) / 1000;
        } else textBar = lazyProgressBar(`texts of ${detail}`, "texts", { minTotal: 256 });
      },
      onTextProgress: (done, total) => textBar?.update(done, total),
      transductive: flags.transductive
        ? {
            logitScale: model.logitScale,
            graph: (rows) => {
              const built = buildNeighbourGraph(rows, { k: TRANSCLIP_DEFAULTS.neighbours });
              if (built.method === "hnsw") {
                process.stderr.write(
                  `transductive: neighbour graph from an HNSW index (recall ${built.recall?.toFixed(4)} against exact search on sampled images)\n`,
                );
              }
              return built.graph;
            },
          }
        : undefined,
    };
    const result = stored
      ? await evaluateStored(model, stored.store, dataset, images, strategies, opts)
      : await evaluateStrategies(model, dataset, images, strategies, opts);
    textBar?.stop();
    const p = result.imagePass;
    process.stderr.write(
      stored
        ? `embeddings: ${p.cached} from ${stored.store.location}, ${p.failed} missing or failed\n`
        : `image pass: ${p.computed} computed, ${p.cached} cached, ${p.failed} failed ` +
            `(${images.length} images, ${imageSeconds.toFixed(1)} s)\n`,
    );
    const fewshot = await runEvalFewShot(model, result, flags, fewShotSets, store);
    const doc = evalJson(result, { dataset: datasetPath, model: model.dir });
    if (fewshot) addFewShotJson(doc, fewshot);
    const text = prettyJson(doc) + "\n";
    if (flags.out) await writeFileAtomic(flags.out, text);
    if (flags.report) {
      await writeReport(flags.report, result, { dataset: datasetPath, model: model.dir, fewshot });
    }
    const table =
      formatTable(SUMMARY_HEADER, summaryRows(doc)) +
      (fewshot ? `\n${formatFewShotTable(fewshot)}` : "");
    if (format === "json") {
      process.stdout.write(text);
      process.stderr.write(table);
    } else process.stdout.write(table);
    if (result.failed.length > 0) {
      const shown = result.failed.slice(0, 10);
      for (const f of shown) process.stderr.write(`failed: ${f.input}: ${f.error}\n`);
      const more = result.failed.length - shown.length;
      if (more > 0) process.stderr.write(`… and ${more} more (listed in the JSON "failed")\n`);
      process.stderr.write(
        `${result.failed.length} of ${images.length} images failed and are left out of the metrics\n`,
      );
    }
    if (flags.report) process.stderr.write(`report written to ${flags.report}\n`);
    const trainFailed = fewshot?.trainPass.failed.length ?? 0;
    return result.failed.length > 0 || trainFailed > 0 ? 1 : 0;
  } finally {
    if (!stored) await model.dispose();
  }
}
