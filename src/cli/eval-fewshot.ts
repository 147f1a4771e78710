/** `eval --train`: the few-shot flags of `zeroclip eval`, their request, the shots table. */
import type { Command } from "commander";
import { ADAPTER_METHODS, type AdapterMethod } from "../adapt/adapter.js";
import { DEFAULT_SEEDS, DEFAULT_SHOTS, type FewShotRequest } from "../app/evaluate-fewshot.js";
import type { FewShotResult } from "../eval/fewshot.js";
import { fewShotRows } from "../eval/fewshot-json.js";
import { UsageError } from "../util/errors.js";
import { positiveInt } from "./common.js";
import {
  addFewShotOptions,
  type FewShotFlags,
  gridFromFlags,
  methodList,
  positiveIntList,
  seedList,
} from "./fewshot-options.js";
import { formatTable } from "./output.js";

export interface EvalFewShotFlags extends FewShotFlags {
  train?: string;
  shots?: number[];
  seeds?: number[];
  method?: AdapterMethod[];
  val?: string;
  valShots?: number;
}

/** Add --train, --shots, --seeds, --method, --val, --val-shots and the shared few-shot options. */
export function addEvalFewShotOptions(cmd: Command): Command {
  cmd
    .option(
      "--train <dataset>",
      "few-shot: draw support images from this labelled set (same classes as the test set)",
    )
    .option(
      "--shots <list>",
      `few-shot: images per class (default ${DEFAULT_SHOTS.join(",")})`,
      positiveIntList("--shots"),
    )
    .option(
      "--seeds <list>",
      `few-shot: seeds of the support draws (default ${DEFAULT_SEEDS.join(",")})`,
      seedList,
    )
    .option(
      "--method <list>",
      `few-shot: adapters to run (default ${ADAPTER_METHODS.join(",")})`,
      methodList,
    )
    .option(
      "--val <dataset>",
      "few-shot: search on this labelled set (default: drawn from --train)",
    )
    .option(
      "--val-shots <n>",
      "few-shot: validation images per class drawn from --train (default min(K, 4))",
      positiveInt("--val-shots"),
    );
  return addFewShotOptions(cmd);
}

/** The few-shot flags given without --train are a usage error. */
function checkEvalFewShotFlags(flags: EvalFewShotFlags): void {
  if (flags.valShots !== undefined && flags.val) {
    throw new UsageError("--val-shots applies only when the validation images come from --train");
  }
  if (flags.train) return;
  const stray = (
    [
      ["--shots", flags.shots],
      ["--seeds", flags.seeds],
      ["--method", flags.method],
      ["--val", flags.val],
      ["--val-shots", flags.valShots],
      ["--search-scale", flags.searchScale],
      ["--search-steps", flags.searchSteps],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (stray.length > 0) {
    throw new UsageError(
      `${stray.map(([f]) => f).join(", ")} need --train (the few-shot protocol)`,
    );
  }
}

/** The few-shot request of `eval --train` (checked: stray few-shot flags need --train). */
export function fewShotRequest(flags: EvalFewShotFlags): FewShotRequest | undefined {
  checkEvalFewShotFlags(flags);
  if (!flags.train) return undefined;
  return {
    train: flags.train,
    val: flags.val,
    shots: flags.shots,
    seeds: flags.seeds,
    methods: flags.method,
    valShots: flags.valShots,
    augmentViews: flags.augmentViews,
    grid: gridFromFlags(flags),
  };
}

/** The shots table (top-1 mean ± std over seeds, in %). */
export function formatFewShotTable(fs: FewShotResult): string {
  const { header, rows } = fewShotRows(fs);
  return formatTable(header, rows);
}
