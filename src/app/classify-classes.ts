/**
 * The classes of a classify request: zero-shot ones built from labels and prompts (templates
 * default to the model family's), or a few-shot adapter's fixed classes. The rules for what may
 * be given with an adapter live here once, for `zeroclip classify --adapter` and for a server
 * started with `--adapter`.
 */
import type { Aggregate } from "../classify/class-embeddings.js";
import { ZeroShotClassifier } from "../classify/classifier.js";
import type { ClipModel } from "../model/clip-model.js";
import { UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";

/** The labels and prompts of a classify request. */
export interface ClassesRequest {
  /** Class names, in order (with an adapter: optional, and must name the adapter's classes). */
  labels?: readonly string[];
  /** Prompt templates with `{}` for the class (default: the model family's default template). */
  templates?: readonly string[];
  /** CuPL descriptions per class name. */
  descriptions?: Readonly<Record<string, readonly string[]>>;
  /** How a class's text embeddings are combined (default normalized-mean). */
  aggregate?: Aggregate;
  /** With descriptions: a label without any uses the templates instead of failing. */
  allowMissing?: boolean;
}

/** The prompt options given in a request (an adapter refuses all of them). */
function givenPrompts(req: ClassesRequest): string[] {
  const given: string[] = [];
  if (req.templates?.length) given.push("templates");
  if (req.descriptions) given.push("descriptions");
  if (req.aggregate !== undefined && req.aggregate !== "normalized-mean") given.push("aggregate");
  if (req.allowMissing) given.push("allow-missing");
  return given;
}

/**
 * Check a request against an adapter's classes: no prompt options and no scoring overrides (the
 * adapter holds its class embeddings and scale), and labels, when given, naming the same classes.
 */
export function checkAdapterRequest(
  classes: readonly string[],
  req: ClassesRequest & { logitScale?: number; logitBias?: number },
): void {
  const prompts = givenPrompts(req);
  if (prompts.length > 0) {
    throw new UsageError(
      `${prompts.join(", ")} cannot be used with an adapter: it holds its class embeddings`,
    );
  }
  if (req.logitScale !== undefined || req.logitBias !== undefined) {
    throw new UsageError(
      "logit scale and bias cannot be used with an adapter: the adapter records its scale",
    );
  }
  if (req.labels) {
    const given = new Set(req.labels.map((l) => l.trim()));
    const same = given.size === classes.length && classes.every((c) => given.has(c));
    if (!same) {
      throw new UsageError(
        `the labels given differ from the adapter's classes (${classes.join(", ")}); leave them out`,
      );
    }
  }
}

/** The zero-shot classifier of a request's labels and prompts. */
export function zeroShotClassifier(
  model: ClipModel,
  req: ClassesRequest,
  opts: UseCaseEvents & { cache?: boolean | string; signal?: AbortSignal } = {},
): Promise<ZeroShotClassifier> {
  if (!req.labels) throw new UsageError("labels are required");
  if (req.allowMissing && !req.descriptions) {
    throw new UsageError("allow-missing applies only with descriptions");
  }
  return ZeroShotClassifier.create(model, {
    labels: req.labels,
    templates: req.templates ? [...req.templates] : undefined,
    descriptions: req.descriptions as Record<string, string[]> | undefined,
    aggregate: req.aggregate,
    allowMissing: req.allowMissing,
    cache: opts.cache ?? true,
    signal: opts.signal,
    onWarning: opts.onWarning,
    onTextProgress: (done, total) =>
      opts.onProgress?.({ stage: "class texts", unit: "texts", done, total }),
  });
}

/**
 * Make a classifier's explanations ready when `explain` asks for them (the texts behind the
 * classes are embedded one by one) and return the `explain` to score with. Classes without
 * texts (an adapter's) cannot explain: their predictions come without explanations and
 * `onWarning` says why, for the CLI and the server alike.
 */
export async function prepareExplanations(
  classifier: {
    readonly classTexts?: readonly (readonly string[])[];
    enableExplanations?(): Promise<unknown>;
  },
  explain: number | undefined,
  onWarning?: (message: string) => void,
): Promise<number | undefined> {
  if (explain === undefined || explain <= 0) return undefined;
  if (!classifier.enableExplanations || !classifier.classTexts?.some((t) => t.length > 0)) {
    onWarning?.(
      "explanations need the class texts (templates or descriptions); these classes (an adapter's) have none, so predictions come without them",
    );
    return undefined;
  }
  await classifier.enableExplanations();
  return explain;
}
