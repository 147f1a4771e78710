/** The model flags as a use case's `ModelRequest`: a dtype counts only when given on the command line. */
import type { Command } from "commander";
import type { ModelRequest } from "../app/model.js";
import type { ModelFlags } from "./common.js";

/**
 * `--dtype` has a default in the help, but a store or an adapter proposes its own dtype unless
 * the user typed one: so only a dtype from the command line is passed on.
 */
export function modelRequest(flags: ModelFlags, cmd?: Command): ModelRequest {
  const dtypeGiven = cmd === undefined || cmd.getOptionValueSource("dtype") === "cli";
  return {
    model: flags.model,
    dtype: dtypeGiven ? flags.dtype : undefined,
    threads: flags.threads,
    preprocessWorkers: flags.workers,
    device: flags.device,
    logitScale: flags.logitScale,
    logitBias: flags.logitBias,
    revision: flags.revision,
    offline: flags.offline,
  };
}

/** Model download and resolution messages on stderr. */
export function printMessage(line: string): void {
  process.stderr.write(`zeroclip: ${line}\n`);
}
