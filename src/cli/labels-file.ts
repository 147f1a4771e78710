/**
 * `--labels-file`: the one name of a class-list file across commands (classify, describe, eval,
 * adapt, serve). `--classnames` (eval, adapt) and `--classnames-file` (serve) are its old names,
 * kept as aliases for one release (hidden from the option list, named in each command's help).
 */
import { type Command, Option } from "commander";
import { UsageError } from "../util/errors.js";

export interface LabelsFileFlags {
  labelsFile?: string;
  /** Old names. */
  classnames?: string;
  classnamesFile?: string;
}

/** Add `--labels-file <file[#key]>` and the hidden old name `old` (e.g. "--classnames"). */
export function addLabelsFileOption(cmd: Command, description: string, old: string): Command {
  return cmd
    .option("--labels-file <file[#key]>", description)
    .addOption(new Option(`${old} <file[#key]>`, "old name of --labels-file").hideHelp());
}

/** The class-list file, from `--labels-file` or an old name (both given is a usage error). */
export function labelsFileFlag(flags: LabelsFileFlags): string | undefined {
  const old = flags.classnames ?? flags.classnamesFile;
  if (flags.labelsFile !== undefined && old !== undefined) {
    const name = flags.classnames !== undefined ? "--classnames" : "--classnames-file";
    throw new UsageError(`give --labels-file once (${name} is its old name), not both`);
  }
  return flags.labelsFile ?? old;
}
