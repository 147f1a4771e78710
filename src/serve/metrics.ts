/**
 * Prometheus metrics on a registry of the server's own (not prom-client's global one, so one
 * process can run several servers): requests by route and status, latency, encoder batch sizes
 * and durations, queue depth, images per second, the classifier cache, and the process's own
 * (RSS, heap, event-loop lag).
 */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Window over which `zeroclip_images_per_second` is averaged, in seconds. */
const RATE_WINDOW_S = 10;

export interface MetricSources {
  /** Images admitted and not yet answered. */
  queueDepth: () => number;
  /** Classifiers held, and cache lookups so far. */
  classifierCache: () => { size: number; hits: number; misses: number };
}

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly latency: Histogram<"method" | "route" | "status">;
  private readonly batchSize: Histogram;
  private readonly batchSeconds: Histogram;
  private readonly images: Counter;
  /** (time in ms, images) of recent batches, for the images/s gauge. */
  private readonly recent: [number, number][] = [];
  private readonly started = Date.now();

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: "zeroclip_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.latency = new Histogram({
      name: "zeroclip_http_request_duration_seconds",
      help: "Time from request received to response sent",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.batchSize = new Histogram({
      name: "zeroclip_image_batch_size",
      help: "Images per image-encoder call",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: "zeroclip_image_batch_duration_seconds",
      help: "Duration of one image-encoder call",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.images = new Counter({
      name: "zeroclip_images_embedded_total",
      help: "Images encoded",
      registers,
    });
    new Gauge({
      name: "zeroclip_image_queue_depth",
      help: "Images admitted and not yet answered (decoding, waiting for a batch, encoding)",
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    const rate = () => this.imagesPerSecond();
    new Gauge({
      name: "zeroclip_images_per_second",
      help: `Images encoded per second over the last ${RATE_WINDOW_S} s`,
      registers,
      collect() {
        this.set(rate());
      },
    });
    new Gauge({
      name: "zeroclip_classifier_cache_entries",
      help: "Class-embedding sets held in memory",
      registers,
      collect() {
        this.set(sources.classifierCache().size);
      },
    });
    new Gauge({
      name: "zeroclip_classifier_cache_lookups",
      help: "Classifier cache lookups since start, by result (hit: no text encoding needed)",
      labelNames: ["result"],
      registers,
      collect() {
        const s = sources.classifierCache();
        this.set({ result: "hit" }, s.hits);
        this.set({ result: "miss" }, s.misses);
      },
    });
  }

  /** Record one encoder call. */
  onBatch(size: number, seconds: number): void {
    this.batchSize.observe(size);
    this.batchSeconds.observe(seconds);
    this.images.inc(size);
    const now = Date.now();
    this.recent.push([now, size]);
    while (this.recent.length > 0 && this.recent[0][0] < now - RATE_WINDOW_S * 1000) {
      this.recent.shift();
    }
  }

  private imagesPerSecond(): number {
    const now = Date.now();
    const since = now - RATE_WINDOW_S * 1000;
    const n = this.recent.reduce((s, [t, k]) => (t >= since ? s + k : s), 0);
    const window = Math.min(RATE_WINDOW_S, Math.max(1e-3, (now - this.started) / 1000));
    return n / window;
  }

  /** Count every response by route pattern (bounded label values) and status. */
  install(app: FastifyInstance): void {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      this.requests.inc(labels);
      this.latency.observe(labels, reply.elapsedTime / 1000);
    });
    app.get(
      "/metrics",
      {
        schema: {
          summary: "Prometheus metrics (text exposition format)",
          tags: ["operations"],
          response: { 200: { type: "string" } },
        },
      },
      async (_request, reply) => {
        reply.type(this.registry.contentType);
        return this.registry.metrics();
      },
    );
  }
}
