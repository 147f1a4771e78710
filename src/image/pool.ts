/**
 * A small pool of worker threads that turn image sources into model-ready pixels (read →
 * decode → PIL-exact preprocess). Tasks are spread over the workers; each answer comes back as
 * a transferred Float32Array, or a one-line error for that input.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { InputFailure } from "../util/errors.js";
import type { AugmentSpec } from "./augment.js";
import type { DecodeOptions } from "./decode.js";
import type { FetchOptions, ImageSource } from "./source.js";
import type { PreprocessConfig } from "./types.js";

export interface PrepareRequest {
  id: number;
  source: ImageSource;
  config: PreprocessConfig;
  decode: Omit<DecodeOptions, "name">;
  fetch: FetchOptions;
  /** Make this augmented view (random resized crop + flip) instead of the centre crop. */
  view?: AugmentSpec;
}

export type PrepareResponse =
  | { id: number; pixels: Float32Array; error?: undefined }
  | ({ id: number; pixels?: undefined } & InputFailure);

interface Pending {
  resolve: (r: PrepareResponse) => void;
  worker: Worker;
  req: PrepareRequest;
}

/** Default worker count: one per core the process may use, at most 4. */
export function defaultPreprocessWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

export class PreprocessPool {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /**
   * Up to `size` workers, started as the work needs them: one at first, another whenever every
   * running worker is busy. A job of one image (a cold start) pays for one worker's start-up.
   */
  constructor(readonly size: number = defaultPreprocessWorkers()) {
    if (!(size >= 1)) throw new RangeError(`worker count must be at least 1, got ${size}`);
    this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL("./worker.js", import.meta.url));
    this.load.set(worker, 0);
    this.workers.push(worker);
    worker.on("message", (res: PrepareResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      this.release(worker);
      p.resolve(res);
    });
    worker.on("error", (err) => this.fail(worker, `preprocessing worker failed: ${err.message}`));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(worker, `preprocessing worker exited (code ${code})`);
    });
    // After the listeners: adding a "message" listener refs the worker's port again, so an
    // idle pool would keep the process alive.
    worker.unref();
    return worker;
  }

  /**
   * A worker died: a fresh worker takes its place. A worker handles its tasks one at a time in
   * the order sent, so the oldest task it held is the input it died on: that one gets the error,
   * and the tasks queued behind it are sent again.
   */
  private fail(worker: Worker, message: string): void {
    const i = this.workers.indexOf(worker);
    if (i < 0) return;
    this.workers.splice(i, 1);
    this.load.delete(worker);
    const held = [...this.pending].filter(([, p]) => p.worker === worker);
    for (const [id] of held) this.pending.delete(id);
    if (!this.closed) this.spawn();
    held.forEach(([id, p], k) => {
      if (k === 0 || this.closed) p.resolve({ id, code: "worker_failed", error: message });
      else this.send(p.req, p.resolve);
    });
  }

  private release(worker: Worker): void {
    const n = (this.load.get(worker) ?? 1) - 1;
    this.load.set(worker, n);
    if (n === 0) worker.unref();
  }

  /** Read, decode and preprocess one source (or make one augmented view) on the least busy worker. */
  prepare(
    source: ImageSource,
    config: PreprocessConfig,
    decode: Omit<DecodeOptions, "name">,
    fetch: FetchOptions,
    view?: AugmentSpec,
  ): Promise<PrepareResponse> {
    if (this.closed) return Promise.reject(new Error("preprocessing pool is closed"));
    const req: PrepareRequest = { id: this.nextId++, source, config, decode, fetch, view };
    return new Promise((resolve) => this.send(req, resolve));
  }

  /** Hand a request to the least busy worker. */
  private send(req: PrepareRequest, resolve: (r: PrepareResponse) => void): void {
    let worker = this.workers[0];
    for (const w of this.workers) if (this.load.get(w)! < this.load.get(worker)!) worker = w;
    if (this.load.get(worker)! > 0 && this.workers.length < this.size) worker = this.spawn();
    const n = this.load.get(worker)! + 1;
    this.load.set(worker, n);
    if (n === 1) worker.ref();
    this.pending.set(req.id, { resolve, worker, req });
    worker.postMessage(req);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
