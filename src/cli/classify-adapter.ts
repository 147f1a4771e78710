/** `--adapter FILE` (classify, serve): a few-shot classifier from `zeroclip adapt`. */
import type { Command } from "commander";

export function addAdapterOption(cmd: Command): Command {
  return cmd.option(
    "--adapter <file>",
    "a few-shot adapter from `zeroclip adapt` (.safetensors): its classes are the labels",
  );
}
