/** `--adapter FILE` (classify, serve): a few-shot classifier from `zeroclip adapt`. */
import type { Command } from "commander";
import type { AdapterFile } from "../adapt/adapter-file.js";
import { adapterModelDefault } from "../app/model.js";
import type { ModelFlags } from "./common.js";

export function addAdapterOption(cmd: Command): Command {
  return cmd.option(
    "--adapter <file>",
    "a few-shot adapter from `zeroclip adapt` (.safetensors): its classes are the labels",
  );
}

/**
 * The model flags for an adapter (`serve --adapter`): `--model` / `--dtype` when given, else the
 * model directory and dtype the adapter was made with, when that directory exists here.
 */
export function adapterModelFlags<F extends ModelFlags>(
  flags: F,
  adapter: AdapterFile,
  cmd: Command | undefined,
): F {
  const made = adapterModelDefault({ model: flags.model }, adapter.model);
  if (made === undefined) return flags;
  const dtypeGiven = cmd?.getOptionValueSource("dtype") === "cli";
  return {
    ...flags,
    model: made.model,
    dtype: dtypeGiven ? flags.dtype : (made.dtype as ModelFlags["dtype"]),
  };
}
