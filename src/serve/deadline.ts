/**
 * A per-request deadline: every request gets an AbortSignal that fires when the request timeout
 * passes (→ 504) or the client goes away, so queued images of a dead request are dropped and no
 * work outlives its answer.
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Aborted at the request's deadline or when the client disconnects. */
    abortSignal: AbortSignal;
  }
}

interface Deadline {
  controller: AbortController;
  timer: NodeJS.Timeout;
}

const deadlines = new WeakMap<object, Deadline>();

export function installDeadlines(app: FastifyInstance, timeoutMs: number): void {
  app.decorateRequest("abortSignal", undefined as unknown as AbortSignal);
  app.addHook("onRequest", async (request, reply) => {
    const controller = new AbortController();
    // The connection closed before the answer was written: the client has gone. (fastify's
    // onRequestAbort below only sees clients that leave during the upload.)
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished && !controller.signal.aborted) {
        controller.abort(new ApiError(499, "client_closed", "the client closed the connection"));
      }
    });
    const timer = setTimeout(() => {
      controller.abort(
        new ApiError(504, "timeout", `the request took longer than ${timeoutMs / 1000} s`),
      );
    }, timeoutMs);
    timer.unref();
    request.abortSignal = controller.signal;
    deadlines.set(request, { controller, timer });
  });
  app.addHook("onRequestAbort", async (request) => {
    deadlines
      .get(request)
      ?.controller.abort(new ApiError(499, "client_closed", "the client closed the connection"));
  });
  app.addHook("onResponse", async (request) => {
    const d = deadlines.get(request);
    if (d) clearTimeout(d.timer);
  });
}

/** `promise`, or the signal's reason as soon as it aborts (the work itself goes on). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
