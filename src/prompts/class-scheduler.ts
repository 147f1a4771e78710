import { APIError } from "openai";
import { inputFailure } from "../util/errors.js";
import type { ClassQuestion } from "./answer-requests.js";
import type { DescribeFailure } from "./describe-result.js";
import { isEndpointError } from "./endpoint-errors.js";

export interface ScheduleOptions {
  /** Units in flight at once. */
  concurrency: number;
  /** Its signal stops the workers; aborted with the error when an endpoint error occurs. */
  controller: AbortController;
  /** Does the work of one unit; throws when the unit failed. */
  run: (unit: ClassQuestion) => Promise<void>;
  /** Called once per class that failed, as soon as it failed. */
  onFailure?: (failure: DescribeFailure) => void;
}

export interface ScheduleOutcome {
  /** Failed classes by label, in the order they failed. */
  failed: Map<string, DescribeFailure>;
  /** The first endpoint error, which stopped the run (undefined when none occurred). */
  fatal: unknown;
}

/**
 * Run `queue` in order on a pool of workers. A failing unit fails its class: the class's
 * remaining units are skipped and the others go on. An endpoint error (see isEndpointError)
 * aborts everything. Resolves once every worker has stopped.
 */
export async function runClassQuestions(
  queue: readonly ClassQuestion[],
  options: ScheduleOptions,
): Promise<ScheduleOutcome> {
  const { controller, run, onFailure } = options;
  const failed = new Map<string, DescribeFailure>();
  let fatal: unknown;
  let next = 0;
  const worker = async () => {
    while (fatal === undefined && !controller.signal.aborted) {
      const u = queue[next++];
      if (!u) return;
      if (failed.has(u.label)) continue;
      try {
        await run(u);
      } catch (err) {
        if (controller.signal.aborted) return;
        if (isEndpointError(err)) {
          fatal ??= err;
          controller.abort(err);
          return;
        }
        if (!failed.has(u.label)) {
          const status = err instanceof APIError ? err.status : undefined;
          const f: DescribeFailure = { label: u.label, ...inputFailure(err, "llm_failed"), status };
          failed.set(u.label, f);
          onFailure?.(f);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  return { failed, fatal };
}
