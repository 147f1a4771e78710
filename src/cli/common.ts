import { type Command, InvalidArgumentError, Option } from "commander";
import { DTYPES, type Dtype } from "../model/files.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import { DEVICES, type Device } from "../model/session.js";
import { FORMATS, type Format } from "./output.js";

/** Options every model-using command shares. */
export interface ModelFlags {
  model?: string;
  dtype: Dtype;
  threads?: number;
  preprocessWorkers?: number;
  /** Old name of --preprocess-workers (kept for one release). */
  workers?: number;
  device: Device;
  logitScale?: number;
  logitBias?: number;
  revision?: string;
  offline?: boolean;
}

export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    }
    return n;
  };
}

/** Add --batch-size, --no-exif-orientation and --max-pixels (image commands). */
export function addImageOptions(cmd: Command): Command {
  return cmd
    .option("--batch-size <n>", "inputs per encoder call", positiveInt("--batch-size"), 16)
    .option("--no-exif-orientation", "ignore EXIF orientation (strict Hugging Face behaviour)")
    .option(
      "--max-pixels <n>",
      "refuse images with more pixels than this",
      positiveInt("--max-pixels"),
      100_000_000,
    );
}

export function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function finiteNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

/** A number from 0 to 1 (a probability threshold). */
export function probability(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !(n >= 0 && n <= 1))
      throw new InvalidArgumentError(`${name} must be a number from 0 to 1`);
    return n;
  };
}

/** --logit-scale and --logit-bias: the family's scoring, overridden. */
export function addScoringOptions(cmd: Command): Command {
  return cmd
    .option(
      "--logit-scale <s>",
      "multiplier of cosine similarities (default: CLIP 100, the trained value; SigLIP exp(logit_scale) from onnx/model.onnx)",
      positiveNumber("--logit-scale"),
    )
    .option(
      "--logit-bias <b>",
      "SigLIP: bias added to each logit before the sigmoid (default logit_bias from onnx/model.onnx)",
      finiteNumber("--logit-bias"),
    );
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Add --model, --dtype, --device, --threads, --preprocess-workers (old name --workers, hidden,
 * kept for one release), --revision, --offline.
 */
export function addModelOptions(cmd: Command): Command {
  return cmd
    .option("-m, --model <dir|repo>", `model directory or hub repo id (default ${DEFAULT_MODEL})`)
    .addOption(
      new Option("--dtype <dtype>", "model precision").choices(DTYPES as Dtype[]).default("fp32"),
    )
    .option(
      "--threads <n>",
      "onnxruntime intra-op threads (default: all cores)",
      positiveInt("--threads"),
    )
    .addOption(
      new Option("--device <device>", "onnxruntime execution provider")
        .choices(DEVICES as Device[])
        .default("cpu"),
    )
    .option(
      "--preprocess-workers <n>",
      "worker threads that decode and resize images (default: one per core, at most 4)",
      positiveInt("--preprocess-workers"),
    )
    .addOption(
      new Option("--workers <n>", "old name of --preprocess-workers")
        .argParser(positiveInt("--workers"))
        .hideHelp(),
    )
    .option("--revision <rev>", "hub revision: branch, tag or commit (default main)")
    .option("--offline", "use the local cache only (also HF_HUB_OFFLINE=1)");
}

export function addFormatOption(cmd: Command, choices: readonly Format[] = FORMATS): Command {
  return cmd.addOption(
    new Option(
      "--format <format>",
      "output format (default: table on a terminal, jsonl when piped)",
    ).choices(choices as Format[]),
  );
}
