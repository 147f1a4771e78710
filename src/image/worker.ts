/**
 * Worker thread body: read, decode and preprocess one image per message, off the main thread
 * (onnxruntime-node runs inference synchronously on the main thread, so preprocessing there
 * could not overlap with it).
 */
import { parentPort } from "node:worker_threads";
import { inputFailure } from "../util/errors.js";
import { augmentView } from "./augment.js";
import { decodeImage } from "./decode.js";
import type { PrepareRequest, PrepareResponse } from "./pool.js";
import { preprocessImage } from "./preprocess.js";
import { readImageSource } from "./source.js";

// One image at a time per worker: a decoded image can be hundreds of megabytes, so memory stays
// bounded by the number of workers, not by how many tasks are queued.
let queue: Promise<void> = Promise.resolve();
parentPort?.on("message", (req: PrepareRequest) => {
  queue = queue.then(() => handle(req));
});

async function handle(req: PrepareRequest): Promise<void> {
  let res: PrepareResponse;
  try {
    // Blocking file reads: this thread does one image at a time.
    const bytes = await readImageSource(req.source, req.fetch, true);
    const img = await decodeImage(bytes, {
      ...req.decode,
      name: typeof req.source === "string" ? req.source : undefined,
    });
    const pixels = req.view
      ? augmentView(img, req.config, req.view)
      : preprocessImage(img, req.config);
    res = { id: req.id, pixels };
    parentPort!.postMessage(res, [pixels.buffer as ArrayBuffer]);
  } catch (err) {
    res = { id: req.id, ...inputFailure(err) };
    parentPort!.postMessage(res);
  }
}
