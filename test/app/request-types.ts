/**
 * The use cases' request and events types, pinned: type-checked by the build, never run. Each
 * `@ts-expect-error` line must stay an error (an unused one fails the build), so a request that
 * takes a listener again, or a model request named by `model` again, stops the build.
 *
 * The convention (docs/architecture.md, "Requests and events"): a request is plain data (a queue
 * or an HTTP body could carry it), the model is `model: { name, dtype, … }`, and listeners go in
 * the second argument.
 */
import type {
  AdaptRequest,
  ClassifyRequest,
  DescribeRequest,
  EmbedRequest,
  EvaluateRequest,
  IndexEvents,
  IndexRequest,
  ModelRequest,
  RetrievalRequest,
  SearchRequest,
  UseCaseEvents,
  WorkerEvents,
  WorkerRequest,
} from "../../src/index.js";
import type { ServeRequest } from "../../src/serve/index.js";

/** A type with no function anywhere in it (what a JSON body can carry; bytes as base64). */
type PlainData<T> = T extends (...args: never[]) => unknown
  ? never
  : T extends ArrayBufferView
    ? T
    : T extends object
      ? { [K in keyof T]: PlainData<T[K]> }
      : T;
/** `true` only when `T` holds no function. */
type IsPlain<T> = [T] extends [PlainData<T>] ? true : false;

const plain: [
  IsPlain<ModelRequest>,
  IsPlain<ClassifyRequest>,
  IsPlain<EmbedRequest>,
  IsPlain<IndexRequest>,
  IsPlain<EvaluateRequest>,
  IsPlain<RetrievalRequest>,
  IsPlain<AdaptRequest>,
  IsPlain<WorkerRequest>,
  IsPlain<SearchRequest>,
  // Its `signal` (an AbortSignal: the caller cancelling, as fetch takes it) is the one non-data field.
  IsPlain<Omit<DescribeRequest, "signal">>,
  IsPlain<ServeRequest>,
] = [true, true, true, true, true, true, true, true, true, true, true];

const notPlain: IsPlain<UseCaseEvents> = false;

export const pins = {
  plain,
  notPlain,
  model: { name: "Xenova/clip-vit-base-patch32", dtype: "q8" } satisfies ModelRequest,
  // @ts-expect-error the model is named by `name`, as in every request
  oldName: { model: "Xenova/clip-vit-base-patch32" } satisfies ModelRequest,
  // @ts-expect-error model download messages go to the events' onMessage
  listener: { name: "m", onMessage: () => {} } satisfies ModelRequest,
  // @ts-expect-error progress goes to the second argument (`IndexEvents`)
  index: { inputs: [], store: "s", onProgress: () => {} } satisfies IndexRequest,
  // @ts-expect-error progress goes to the second argument (`UseCaseEvents`)
  evaluate: { strategies: [], onProgress: () => {} } satisfies EvaluateRequest,
  // @ts-expect-error warnings go to the second argument (`UseCaseEvents`)
  adapt: { support: "s", out: "o", method: "gda", onWarning: () => {} } satisfies AdaptRequest,
  // @ts-expect-error shard reports go to the second argument (`WorkerEvents`)
  worker: { queue: "q", store: "s", onShard: () => {} } satisfies WorkerRequest,
  indexEvents: { onPlan: () => {}, onProgress: (p) => p.shardsDone } satisfies IndexEvents,
  workerEvents: { onShard: (s) => s.images, onMessage: () => {} } satisfies WorkerEvents,
};
