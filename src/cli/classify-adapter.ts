/** `classify --adapter FILE`: the few-shot classifier from an adapter file (see `zeroclip adapt`). */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { AdapterFile } from "../adapt/adapter-file.js";
import { readAdapterFile } from "../adapt/adapter-file.js";
import { FewShotClassifier } from "../adapt/classifier.js";
import type { ClipModel } from "../model/clip-model.js";
import { parseLabelList, readLabelsFile, splitFileKey } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";
import type { ModelFlags } from "./common.js";
import { givenPromptFlags, type PromptFlags } from "./prompt-options.js";

export interface AdapterFlags extends PromptFlags {
  adapter?: string;
  labels?: string;
  labelsFile?: string;
  logitScale?: number;
  logitBias?: number;
}

export function addAdapterOption(cmd: Command): Command {
  return cmd.option(
    "--adapter <file>",
    "a few-shot adapter from `zeroclip adapt` (.safetensors): its classes are the labels",
  );
}

/**
 * Read the adapter named by --adapter, after checking that no flag contradicts it: the labels
 * come from the file (a --labels list must name the same classes), and so do the class
 * embeddings and the logit scale.
 */
export async function readAdapterForClassify(flags: AdapterFlags): Promise<AdapterFile> {
  const path = flags.adapter!;
  const prompts = givenPromptFlags(flags);
  if (prompts.length > 0) {
    throw new UsageError(
      `${prompts.join(", ")} cannot be used with --adapter: the adapter holds its class embeddings`,
    );
  }
  if (flags.logitScale !== undefined || flags.logitBias !== undefined) {
    throw new UsageError(
      "--logit-scale and --logit-bias cannot be used with --adapter: the adapter records its scale",
    );
  }
  const file = await readAdapterFile(path);
  const classes = file.adapter.classes;
  let given: string[] | undefined;
  if (flags.labels && flags.labelsFile)
    throw new UsageError("give --labels or --labels-file, not both");
  if (flags.labels) given = parseLabelList(flags.labels);
  else if (flags.labelsFile) {
    const { file: f, key } = splitFileKey(flags.labelsFile);
    given = await readLabelsFile(f, key);
  }
  if (given) {
    const set = new Set(given.map((l) => l.trim()));
    const same = set.size === classes.length && classes.every((c) => set.has(c));
    if (!same) {
      throw new UsageError(
        `the labels given differ from the adapter's classes (${classes.join(", ")}); leave them out`,
      );
    }
  }
  return file;
}

/** The few-shot classifier (a ModelError when the adapter belongs to another model). */
export function adapterClassifier(
  model: ClipModel,
  file: AdapterFile,
  path: string,
): Promise<FewShotClassifier> {
  return FewShotClassifier.fromAdapter(model, file, { name: `adapter ${path}` });
}

/**
 * The model flags for an adapter: `--model` / `--dtype` when given, else the model directory and
 * dtype the adapter was made with, when that directory exists here (an adapter copied from
 * another machine falls back to the defaults, and its identity check names the mismatch).
 */
export function adapterModelFlags<F extends ModelFlags>(
  flags: F,
  adapter: AdapterFile,
  cmd: Command | undefined,
): F {
  const made = adapter.model;
  if (flags.model !== undefined || made === undefined || !existsSync(made.model)) return flags;
  const dtypeGiven = cmd?.getOptionValueSource("dtype") === "cli";
  return {
    ...flags,
    model: made.model,
    dtype: dtypeGiven ? flags.dtype : (made.dtype as ModelFlags["dtype"]),
  };
}
