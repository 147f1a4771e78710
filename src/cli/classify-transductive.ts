/**
 * `classify --transductive`: the flag. The work (embedding the set or reading the store, the
 * neighbour graph, TransCLIP) and its progress and summary lines are the classify use case's
 * (src/app/classify-transductive.ts); the CLI prints them as they come.
 */
import type { Command } from "commander";

export function addTransductiveOption(cmd: Command): Command {
  return cmd.option(
    "--transductive",
    "classify the inputs as one set with TransCLIP: the set refines the classes (docs/transductive.md)",
  );
}
