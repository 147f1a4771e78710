/**
 * Prompt strategies to compare: `NAME=KIND:ARG` specs, loaded into the templates and/or
 * descriptions that `classTexts` turns into each class's texts.
 */
import { classTexts } from "../classify/class-embeddings.js";
import { fillTemplate } from "../classify/templates.js";
import { readDescriptionsFile, readTemplatesFile, splitFileKey } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";

export const STRATEGY_KINDS = ["single", "ensemble", "cupl", "cupl+ensemble"] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** A parsed `--strategy` value. */
export interface StrategySpec {
  name: string;
  kind: StrategyKind;
  /** What follows `KIND:` (a template, or file paths). */
  arg: string;
}

/** A strategy with its prompt sources loaded. */
export interface PromptStrategy extends StrategySpec {
  templates: string[];
  descriptions?: Record<string, string[]>;
}

const KIND_PATTERN = "single|ensemble|cupl\\+ensemble|cupl";

/**
 * Parse `NAME=KIND:ARG` (`NAME=` may be left out: the kind is then the name).
 * - `single:TEMPLATE` — one template with `{}` / `{c}`.
 * - `ensemble:FILE[#KEY]` — a JSON list of templates, or CLIP_benchmark's map picked with KEY.
 * - `cupl:FILE` — CuPL descriptions (`{"class": ["sentence", ...]}`) only.
 * - `cupl+ensemble:DESC_FILE,TEMPLATES_FILE[#KEY]` — descriptions and templates together.
 */
export function parseStrategy(text: string): StrategySpec {
  const named = new RegExp(`^([^=:]+)=(${KIND_PATTERN}):([\\s\\S]*)$`).exec(text);
  const bare = named ? undefined : new RegExp(`^(${KIND_PATTERN}):([\\s\\S]*)$`).exec(text);
  if (!named && !bare) {
    throw new UsageError(
      `--strategy ${JSON.stringify(text)}: expected NAME=KIND:ARG with KIND one of ${STRATEGY_KINDS.join(", ")}`,
    );
  }
  const name = (named ? named[1] : bare![1]).trim();
  const kind = (named ? named[2] : bare![1]) as StrategyKind;
  const arg = named ? named[3] : bare![2];
  if (name === "") throw new UsageError(`--strategy ${JSON.stringify(text)}: empty name`);
  if (arg.trim() === "") throw new UsageError(`--strategy ${name}: ${kind} needs an argument`);
  if (kind === "single") fillTemplate(arg, "x");
  if (kind === "cupl+ensemble" && !arg.includes(",")) {
    throw new UsageError(
      `--strategy ${name}: cupl+ensemble takes DESCRIPTIONS_FILE,TEMPLATES_FILE`,
    );
  }
  return { name, kind, arg };
}

/** Parse several specs; names must be distinct. */
export function parseStrategies(texts: readonly string[]): StrategySpec[] {
  if (texts.length === 0) throw new UsageError("give at least one --strategy NAME=KIND:ARG");
  const specs = texts.map(parseStrategy);
  const dup = specs.find((s, i) => specs.findIndex((t) => t.name === s.name) !== i);
  if (dup) throw new UsageError(`strategy name ${JSON.stringify(dup.name)} is used twice`);
  return specs;
}

/** Read the files a strategy names. */
export async function loadStrategy(spec: StrategySpec): Promise<PromptStrategy> {
  const templatesOf = (s: string) => {
    const { file, key } = splitFileKey(s.trim());
    return readTemplatesFile(file, key);
  };
  switch (spec.kind) {
    case "single":
      return { ...spec, templates: [spec.arg] };
    case "ensemble":
      return { ...spec, templates: await templatesOf(spec.arg) };
    case "cupl":
      return { ...spec, templates: [], descriptions: await readDescriptionsFile(spec.arg.trim()) };
    case "cupl+ensemble": {
      const comma = spec.arg.indexOf(",");
      const [desc, tmpl] = [spec.arg.slice(0, comma).trim(), spec.arg.slice(comma + 1)];
      return {
        ...spec,
        templates: await templatesOf(tmpl),
        descriptions: await readDescriptionsFile(desc),
      };
    }
  }
}

/** Each class's texts under a strategy, through `classTexts` (errors name the strategy). */
export function strategyTexts(
  strategy: PromptStrategy,
  labels: readonly string[],
  opts: { allowMissing?: boolean; onWarning?: (message: string) => void } = {},
): string[][] {
  try {
    return classTexts(labels, {
      templates: strategy.templates,
      descriptions: strategy.descriptions,
      allowMissing: opts.allowMissing,
      onWarning: (m) => opts.onWarning?.(`strategy ${strategy.name}: ${m}`),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      throw new UsageError(`strategy ${strategy.name}: ${err.message}`, err.code);
    }
    throw err;
  }
}
