/**
 * A small pool of worker threads that turn image sources into model-ready pixels (read →
 * decode → PIL-exact preprocess). Tasks are spread over the workers; each answer comes back as
 * a transferred Float32Array, or a one-line error for that input.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { DecodeOptions } from "./decode.js";
import type { FetchOptions, ImageSource } from "./source.js";
import type { PreprocessConfig } from "./types.js";

export interface PrepareRequest {
  id: number;
  source: ImageSource;
  config: PreprocessConfig;
  decode: Omit<DecodeOptions, "name">;
  fetch: FetchOptions;
}

export type PrepareResponse =
  | { id: number; pixels: Float32Array; error?: undefined }
  | { id: number; error: string; pixels?: undefined };

interface Pending {
  resolve: (r: PrepareResponse) => void;
  worker: Worker;
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

  constructor(readonly size: number = defaultPreprocessWorkers()) {
    if (!(size >= 1)) throw new RangeError(`worker count must be at least 1, got ${size}`);
    for (let i = 0; i < size; i++) this.spawn();
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

  /** A worker died: its tasks get an error, and a fresh worker takes its place. */
  private fail(worker: Worker, message: string): void {
    const i = this.workers.indexOf(worker);
    if (i < 0) return;
    this.workers.splice(i, 1);
    this.load.delete(worker);
    for (const [id, p] of this.pending) {
      if (p.worker === worker) {
        this.pending.delete(id);
        p.resolve({ id, error: message });
      }
    }
    if (!this.closed) this.spawn();
  }

  private release(worker: Worker): void {
    const n = (this.load.get(worker) ?? 1) - 1;
    this.load.set(worker, n);
    if (n === 0) worker.unref();
  }

  /** Read, decode and preprocess one source on the least busy worker. */
  prepare(
    source: ImageSource,
    config: PreprocessConfig,
    decode: Omit<DecodeOptions, "name">,
    fetch: FetchOptions,
  ): Promise<PrepareResponse> {
    if (this.closed) return Promise.reject(new Error("preprocessing pool is closed"));
    let worker = this.workers[0];
    for (const w of this.workers) if (this.load.get(w)! < this.load.get(worker)!) worker = w;
    const id = this.nextId++;
    const n = this.load.get(worker)! + 1;
    this.load.set(worker, n);
    if (n === 1) worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, worker });
      const req: PrepareRequest = { id, source, config, decode, fetch };
      worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
