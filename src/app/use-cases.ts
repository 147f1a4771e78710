/**
 * The index, scale-out, evaluate and adapt use cases as the core API (`zeroclip`) exports them:
 * each module is loaded on the first call, so importing the core loads no store engine, queue,
 * report or few-shot code (test/docs/imports.test.ts).
 */
import type { AdaptOutcome, AdaptRequest } from "./adapt.js";
import type { EvaluateOutcome, EvaluateRequest } from "./evaluate.js";
import type { RetrievalOutcome, RetrievalRequest } from "./evaluate-retrieval.js";
import type { UseCaseEvents } from "./events.js";
import type { IndexEvents, IndexRequest, IndexResult, QueueRequest } from "./index-request.js";
import type { RunningWorker, WorkerEvents, WorkerRequest } from "./scale-out.js";

/** Embed inputs into a store, here or through a queue (src/app/index-images.ts). */
export async function indexInputs(
  req: IndexRequest,
  events: IndexEvents = {},
): Promise<IndexResult> {
  return (await import("./index-images.js")).indexInputs(req, events);
}

/** Enqueue an index run for `zeroclip worker` processes (src/app/scale-out.ts). */
export async function submitToQueue(
  req: IndexRequest & { queue: QueueRequest },
  events: IndexEvents = {},
): Promise<IndexResult> {
  return (await import("./scale-out.js")).submitToQueue(req, events);
}

/** Start a scale-out worker on a store's queue (src/app/scale-out.ts). */
export async function startWorker(
  req: WorkerRequest,
  events: WorkerEvents = {},
): Promise<RunningWorker> {
  return (await import("./scale-out.js")).startWorker(req, events);
}

/** Compare prompt strategies on a labelled image set (src/app/evaluate.ts). */
export async function evaluate(
  req: EvaluateRequest,
  events: UseCaseEvents = {},
): Promise<EvaluateOutcome> {
  return (await import("./evaluate.js")).evaluate(req, events);
}

/** Evaluate retrieval on image–caption pairs (src/app/evaluate-retrieval.ts). */
export async function evaluateRetrievalPairs(
  req: RetrievalRequest,
  events: UseCaseEvents = {},
): Promise<RetrievalOutcome> {
  return (await import("./evaluate-retrieval.js")).evaluateRetrievalPairs(req, events);
}

/** Build a few-shot adapter file (src/app/adapt.ts). */
export async function adapt(req: AdaptRequest, events: UseCaseEvents = {}): Promise<AdaptOutcome> {
  return (await import("./adapt.js")).adapt(req, events);
}
