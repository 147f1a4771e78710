/**
 * Batches images from many independent callers into shared encoder calls: each caller hands in
 * its own images (one or a few), the preprocessing worker pool decodes them concurrently, and
 * ready images are packed into one `embedPixels` call that closes when it holds `batchSize`
 * images, when the oldest ready image has waited `waitMs` with the encoder free, or at once
 * when nothing else is being decoded. The queue is bounded: a call that would exceed `maxQueue` images (or
 * `maxQueueBytes` of image bytes) is refused whole with a `QueueFullError`.
 */
import type { DecodeOptions } from "../image/decode.js";
import type { PrepareResponse, PreprocessPool } from "../image/pool.js";
import { type FetchOptions, type ImageSource, isHttpUrl } from "../image/source.js";
import { type InputFailure, inputFailure, ZeroclipError } from "../util/errors.js";
import { type ImageEmbedResult, type PixelEmbedder, sourceName } from "./image-pipeline.js";
import { limiter, PixelGate } from "./work-gates.js";

/** The part of the worker pool the batcher uses. */
export type PixelPreparer = Pick<PreprocessPool, "prepare">;

export interface ImageBatcherOptions {
  /** Most images per encoder call (default 16). */
  batchSize?: number;
  /** How long the oldest ready image waits for more to fill its batch, in ms (default 5). */
  waitMs?: number;
  /** Most images admitted and not yet answered (default 256). */
  maxQueue?: number;
  /** Most bytes of image data (inline bytes) admitted and not yet decoded (default 256 MiB). */
  maxQueueBytes?: number;
  /** Decoding: EXIF orientation, pixel cap. */
  decode?: Omit<DecodeOptions, "name">;
  /** URL downloads: time and size caps. */
  fetch?: FetchOptions;
  /** L2-normalize each embedding (default true). */
  normalize?: boolean;
  /** Called after each encoder call with its image count and duration in seconds. */
  onBatch?: (size: number, seconds: number) => void;
  /**
   * Downloads http(s) URL sources on this thread (e.g. `fetchUrlImage` with its SSRF guard)
   * instead of in the decode workers, so a URL that never answers holds no worker. The signal
   * aborts when the call ends early.
   */
  download?: (url: string, signal: AbortSignal) => Promise<Uint8Array>;
  /** Downloads in flight per call (default 4). */
  downloadsPerCall?: number;
  /** Most pixels (by image header) of one call's images together; beyond, an image gets an error. */
  maxPixelsPerCall?: number;
  /** An image's pixel count from its header, for `maxPixelsPerCall` and `maxDecodingPixels`. */
  measurePixels?: (bytes: Uint8Array) => Promise<number | undefined>;
  /**
   * Most pixels (by header) being decoded at once over all calls: decoded images are the
   * server's largest allocations (3 bytes a pixel and more), so this bounds its memory. An
   * image larger than this alone is decoded when nothing else is.
   */
  maxDecodingPixels?: number;
}

export interface BatchEmbedOptions {
  /** Aborting rejects the call with the signal's reason; its images not yet encoded are dropped. */
  signal?: AbortSignal;
  /**
   * This call's EXIF setting instead of the batcher's (a search query is decoded as its store's
   * images were).
   */
  exifOrientation?: boolean;
}

/** The queue has no room for a call's images; try again later. */
export class QueueFullError extends ZeroclipError {
  override name = "QueueFullError";
  constructor(message: string) {
    super(message, "overloaded");
  }
}

/** The batcher is closing (server shutting down) and takes no new images. */
export class BatcherClosedError extends ZeroclipError {
  override name = "BatcherClosedError";
  constructor(message: string) {
    super(message, "shutting_down");
  }
}

/** An image of a call that ended before it was decoded (nobody reads its record). */
const DROPPED = { code: "cancelled", error: "dropped" } as const satisfies InputFailure;

export const IMAGE_BATCHER_DEFAULTS = {
  batchSize: 16,
  waitMs: 5,
  maxQueue: 256,
  maxQueueBytes: 256 * 1024 * 1024,
} as const;

interface Call {
  results: ImageEmbedResult[];
  left: number;
  done: boolean;
  /** Aborted when the call ends early: its downloads stop. */
  abort: AbortController;
  /** Header pixels of its images measured so far. */
  pixels: number;
  /** How its images are decoded (the batcher's settings, or the call's EXIF override). */
  decode: Omit<DecodeOptions, "name">;
  resolve: (r: ImageEmbedResult[]) => void;
  reject: (err: unknown) => void;
}

interface Ready {
  call: Call;
  index: number;
  name: string;
  pixels: Float32Array;
  readyAt: number;
}

/** Shares encoder calls between concurrent callers; see the module comment. */
export class ImageBatcher {
  readonly batchSize: number;
  readonly waitMs: number;
  readonly maxQueue: number;
  readonly maxQueueBytes: number;
  private readonly ready: Ready[] = [];
  private admitted = 0;
  private admittedBytes = 0;
  private preparing = 0;
  private encoding = false;
  /** When the encoder last became free (ms). */
  private freeSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private buffer: Float32Array | undefined;
  private readonly decoding: PixelGate;

  constructor(
    private readonly model: PixelEmbedder,
    private readonly pool: PixelPreparer,
    private readonly opts: ImageBatcherOptions = {},
  ) {
    const d = IMAGE_BATCHER_DEFAULTS;
    this.batchSize = atLeast(1, opts.batchSize ?? d.batchSize, "batchSize");
    this.waitMs = atLeast(0, opts.waitMs ?? d.waitMs, "waitMs");
    this.maxQueue = atLeast(1, opts.maxQueue ?? d.maxQueue, "maxQueue");
    this.maxQueueBytes = atLeast(1, opts.maxQueueBytes ?? d.maxQueueBytes, "maxQueueBytes");
    this.decoding = new PixelGate(opts.maxDecodingPixels ?? 0);
  }

  /** Images admitted and not yet answered (decoding, waiting or being encoded). */
  get depth(): number {
    return this.admitted;
  }

  /**
   * Embed one caller's images, sharing encoder calls with concurrent callers. Results are in
   * input order; a bad image gets an error record (as `ClipModel.embedImages` gives). Throws
   * `QueueFullError` when the images do not fit in the queue (none is admitted then).
   */
  embed(
    sources: readonly ImageSource[],
    opts: BatchEmbedOptions = {},
  ): Promise<ImageEmbedResult[]> {
    if (this.closing) return Promise.reject(new BatcherClosedError("the image batcher is closed"));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    if (sources.length === 0) return Promise.resolve([]);
    const bytes = sources.reduce((s, src) => s + (typeof src === "string" ? 0 : src.length), 0);
    if (this.admitted + sources.length > this.maxQueue) {
      return Promise.reject(
        new QueueFullError(
          `the image queue is full (${this.admitted} of ${this.maxQueue} images waiting); retry shortly`,
        ),
      );
    }
    // One call larger than the byte budget on its own is still admitted into an empty queue.
    if (this.admittedBytes > 0 && this.admittedBytes + bytes > this.maxQueueBytes) {
      return Promise.reject(
        new QueueFullError(
          "the image queue holds too many bytes waiting to be decoded; retry shortly",
        ),
      );
    }
    return new Promise<ImageEmbedResult[]>((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = () => this.finish(call, signal!.reason, true);
      const call: Call = {
        results: new Array(sources.length),
        left: sources.length,
        done: false,
        abort: new AbortController(),
        pixels: 0,
        decode:
          opts.exifOrientation === undefined
            ? (this.opts.decode ?? {})
            : { ...this.opts.decode, exifOrientation: opts.exifOrientation },
        resolve: (r) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.admitted += sources.length;
      this.admittedBytes += bytes;
      const limit = limiter(this.opts.downloadsPerCall ?? 4);
      sources.forEach((src, index) => {
        const size = typeof src === "string" ? 0 : src.length;
        this.preparing++;
        this.prepareOne(call, src, limit)
          .then(
            (r) => r,
            (err: unknown) => ({ ...inputFailure(err), pixels: undefined }),
          )
          .then((r) => {
            this.preparing--;
            this.admittedBytes -= size;
            const name = sourceName(src, index);
            if (call.done) {
              this.release(1);
            } else if (r.error !== undefined) {
              this.release(1);
              this.settle(call, index, { input: name, code: r.code, error: r.error });
            } else {
              this.ready.push({ call, index, name, pixels: r.pixels!, readyAt: Date.now() });
            }
            this.schedule();
          });
      });
    });
  }

  /** Download (when the batcher downloads), check the pixel budget, then decode in the pool. */
  private prepareOne(
    call: Call,
    src: ImageSource,
    limit: <T>(task: () => Promise<T>) => Promise<T>,
  ): Promise<PrepareResponse | (InputFailure & { pixels?: undefined })> {
    const download = this.opts.download && typeof src === "string" && isHttpUrl(src);
    // Nothing to wait for: straight to the workers (in call order, as before).
    if (!download && !this.opts.measurePixels) {
      return this.pool.prepare(src, this.model.preprocess, call.decode, this.opts.fetch ?? {});
    }
    return this.prepareChecked(call, src, limit);
  }

  private async prepareChecked(
    call: Call,
    src: ImageSource,
    limit: <T>(task: () => Promise<T>) => Promise<T>,
  ): Promise<PrepareResponse | (InputFailure & { pixels?: undefined })> {
    let input = src;
    const download = this.opts.download;
    if (download && typeof src === "string" && isHttpUrl(src)) {
      input = await limit(() =>
        call.done
          ? Promise.reject(new ZeroclipError(DROPPED.error, DROPPED.code))
          : download(src, call.abort.signal),
      );
    }
    const cap = this.opts.maxPixelsPerCall;
    const px =
      this.opts.measurePixels && typeof input !== "string"
        ? await this.opts.measurePixels(input)
        : undefined;
    // An image over the per-image cap is left to the decoder, which names that cap.
    const maxOne = this.opts.decode?.maxPixels ?? Number.POSITIVE_INFINITY;
    if (cap !== undefined && px !== undefined && px <= maxOne) {
      call.pixels += px;
      if (call.pixels > cap) {
        return {
          code: "image_too_large",
          error: `the request's images hold more than ${cap} pixels together (the per-request pixel limit)`,
        };
      }
    }
    // A call that ended (aborted, timed out) sends nothing more to the decode workers.
    if (call.done) return DROPPED;
    const weight = this.opts.maxDecodingPixels && px !== undefined && px <= maxOne ? px : 0;
    await this.decoding.acquire(weight);
    try {
      if (call.done) return DROPPED;
      return await this.pool.prepare(
        input,
        this.model.preprocess,
        call.decode,
        this.opts.fetch ?? {},
      );
    } finally {
      this.decoding.release(weight);
    }
  }

  /**
   * Take no new images and wait until every admitted image is answered (or dropped, for
   * aborted calls).
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.admitted === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(call: Call, index: number, result: ImageEmbedResult): void {
    if (call.done) return;
    call.results[index] = result;
    if (--call.left === 0) this.finish(call, undefined, false);
  }

  /** End a call: resolve it with its results, or reject it (abort, encoder failure). */
  private finish(call: Call, error: unknown, failed: boolean): void {
    if (call.done) return;
    call.done = true;
    if (failed) call.abort.abort(error);
    if (failed) {
      // Its images waiting for a batch leave the queue now; those decoding or encoding leave
      // when they finish.
      for (let i = this.ready.length - 1; i >= 0; i--) {
        if (this.ready[i].call === call) {
          this.ready.splice(i, 1);
          this.release(1);
        }
      }
      call.reject(error);
    } else {
      call.resolve(call.results);
    }
  }

  private release(n: number): void {
    this.admitted -= n;
    if (this.admitted === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Start an encoder call now, or arm the timer for when the oldest ready image's wait ends. */
  private schedule(): void {
    if (this.encoding || this.ready.length === 0) return;
    // Time spent waiting while the encoder was busy does not count: after a long encoder call
    // the next batch still gets its `waitMs` to fill up with the images being decoded.
    const waited = Date.now() - Math.max(this.ready[0].readyAt, this.freeSince);
    if (this.ready.length >= this.batchSize || waited >= this.waitMs || this.preparing === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.runBatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.waitMs - waited);
    }
  }

  private async runBatch(): Promise<void> {
    this.encoding = true;
    const batch = this.ready.splice(0, this.batchSize);
    const cfg = this.model.preprocess;
    const size = 3 * cfg.cropHeight * cfg.cropWidth;
    this.buffer ??= new Float32Array(this.batchSize * size);
    for (const [r, item] of batch.entries()) this.buffer.set(item.pixels, r * size);
    const start = process.hrtime.bigint();
    try {
      const embeddings = await this.model.embedPixels(
        this.buffer.subarray(0, batch.length * size),
        batch.length,
        this.opts.normalize ?? true,
      );
      this.opts.onBatch?.(batch.length, Number(process.hrtime.bigint() - start) / 1e9);
      batch.forEach((item, r) => {
        this.settle(item.call, item.index, { input: item.name, embedding: embeddings[r] });
      });
    } catch (err) {
      // The encoder itself failed: that is no fault of the images, so their calls fail.
      for (const item of batch) this.finish(item.call, err, true);
    } finally {
      this.release(batch.length);
      this.freeSince = Date.now();
    }
    // onnxruntime blocked this thread while it encoded: let the event loop take in the images
    // the workers finished meanwhile (and new requests) before the next batch is cut, or it
    // would hold only the first of them. Until then the encoder still counts as busy.
    setImmediate(() => {
      this.encoding = false;
      this.schedule();
    });
  }
}

function atLeast(min: number, v: number, name: string): number {
  if (!(v >= min) || !Number.isFinite(v))
    throw new RangeError(`${name} must be ≥ ${min}, got ${v}`);
  return v;
}
