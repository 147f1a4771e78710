/**
 * The worker thread of `createStepPool` (step-pool.ts): runs the rows it is given of one
 * TransCLIP assignment update on the shared buffers, and answers when done.
 */
import { parentPort } from "node:worker_threads";
import { assignmentRows, type StepRequest } from "../transductive/solver.js";

parentPort?.on("message", (msg: { req: StepRequest; r0: number; r1: number }) => {
  try {
    assignmentRows(msg.req, msg.r0, msg.r1);
    parentPort?.postMessage({ ok: true });
  } catch (err) {
    parentPort?.postMessage({ ok: false, error: String(err) });
  }
});
