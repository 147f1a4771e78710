/**
 * TransCLIP's assignment updates on two threads: a worker thread takes the first half of the
 * rows while this thread does the second, both reading and writing the solver's
 * SharedArrayBuffers (`transductiveZeroShotAsync` with `steps`). Rows are independent within
 * an update (each reads only the previous z), so the result is bit-identical to one thread.
 */
import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { assignmentRows } from "../transductive/solver.js";
import type { StepRunner } from "../transductive/transclip.js";

export interface StepPool {
  steps: StepRunner;
  /** Ends the worker thread. */
  close(): Promise<void>;
}

/** A step runner over this thread and one worker (or this thread alone on one core). */
export function createStepPool(threads = Math.min(2, cpus().length)): StepPool {
  if (threads < 2) {
    return { steps: async (req) => assignmentRows(req, 0, req.n), close: async () => {} };
  }
  const worker = new Worker(new URL("./step-worker.js", import.meta.url));
  const steps: StepRunner = async (req) => {
    if (!(req.to.buffer instanceof SharedArrayBuffer)) {
      assignmentRows(req, 0, req.n);
      return;
    }
    const half = Math.floor(req.n / 2);
    const done = new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once("error", onError);
      worker.once("message", (m: { ok: boolean; error?: string }) => {
        worker.off("error", onError);
        if (m.ok) resolve();
        else reject(new Error(`assignment update worker: ${m.error}`));
      });
    });
    worker.postMessage({ req, r0: 0, r1: half });
    assignmentRows(req, half, req.n);
    await done;
  };
  return {
    steps,
    close: async () => {
      await worker.terminate();
    },
  };
}
