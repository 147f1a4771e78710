/** The prompt options of `classify` and `adapt` (the zero-shot half), and reading them. */
import { type Command, Option } from "commander";
import { AGGREGATES, type Aggregate } from "../classify/class-embeddings.js";
import { DEFAULT_TEMPLATE } from "../classify/templates.js";
import { readDescriptionsFile, readTemplatesFile, splitFileKey } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";
import { collect } from "./common.js";

export interface PromptFlags {
  template?: string[];
  templatesFile?: string;
  templatesKey?: string;
  descriptions?: string;
  aggregate: Aggregate;
  allowMissing?: boolean;
}

/** Add -t/--template, --templates-file, --templates-key, --descriptions, --aggregate, --allow-missing. */
export function addPromptOptions(cmd: Command): Command {
  return cmd
    .option(
      "-t, --template <template>",
      `prompt template with {} for the class (repeatable; default "${DEFAULT_TEMPLATE}", SigLIP "This is a photo of {}.")`,
      collect,
    )
    .option("--templates-file <file>", "templates: a JSON list, or a {dataset: [templates]} map")
    .option("--templates-key <key>", "which dataset's templates to take from --templates-file")
    .option(
      "--descriptions <file>",
      "class descriptions (CuPL JSON), e.g. from `zeroclip describe`",
    )
    .addOption(
      new Option("--aggregate <mode>", "how a class's text embeddings are combined")
        .choices(AGGREGATES as Aggregate[])
        .default("normalized-mean"),
    )
    .option(
      "--allow-missing",
      "with --descriptions: labels without descriptions use the templates",
    );
}

/** Templates from --template / --templates-file, or undefined for the default. */
export async function templatesFromFlags(
  flags: Pick<PromptFlags, "template" | "templatesFile" | "templatesKey">,
): Promise<string[] | undefined> {
  const list = [...(flags.template ?? [])];
  if (flags.templatesFile) {
    const { file, key } = splitFileKey(flags.templatesFile);
    list.push(...(await readTemplatesFile(file, flags.templatesKey ?? key)));
  } else if (flags.templatesKey) {
    throw new UsageError("--templates-key needs --templates-file");
  }
  return list.length > 0 ? list : undefined;
}

/** Templates and descriptions from the flags (checks --allow-missing's condition). */
export async function promptsFromFlags(flags: PromptFlags): Promise<{
  templates?: string[];
  descriptions?: Record<string, string[]>;
}> {
  if (flags.allowMissing && !flags.descriptions) {
    throw new UsageError("--allow-missing applies only with --descriptions");
  }
  return {
    templates: await templatesFromFlags(flags),
    descriptions: flags.descriptions ? await readDescriptionsFile(flags.descriptions) : undefined,
  };
}

/** The prompt flags given on the command line (those that differ from their defaults). */
export function givenPromptFlags(flags: PromptFlags): string[] {
  const given: string[] = [];
  if (flags.template?.length) given.push("--template");
  if (flags.templatesFile) given.push("--templates-file");
  if (flags.templatesKey) given.push("--templates-key");
  if (flags.descriptions) given.push("--descriptions");
  if (flags.allowMissing) given.push("--allow-missing");
  if (flags.aggregate !== "normalized-mean") given.push("--aggregate");
  return given;
}
