/**
 * One benchmark measurement, run in its own process so that peak RSS belongs to one engine:
 * `node dist/bench/measure.js '<json task>'` prints one JSON result line on stdout.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { ClipModel } from "../src/model/clip-model.js";
import type { Dtype } from "../src/model/files.js";
import { splitThreadCpu, type ThreadCpu, threadCpuSeconds } from "./proc-cpu.js";
import { serveImages } from "./serve-load.js";

export interface Task {
  kind:
    | "zeroclip-images"
    | "zeroclip-serve-images"
    | "tfjs-images"
    | "ort-images"
    | "zeroclip-text"
    | "tfjs-text";
  model: string;
  dtype: Dtype;
  images: string;
  sentences: string;
  batchSize: number;
  threads: number;
  /** Timed passes over the inputs after one warm-up batch. */
  passes: number;
  /** zeroclip-serve-images: clients sending one image per request at once (default 64). */
  concurrency?: number;
  /** Only the first `limit` sentences (SigLIP pads every one to 64 tokens) or images. */
  limit?: number;
}

export interface Result {
  kind: Task["kind"];
  dtype: Dtype;
  items: number;
  seconds: number;
  perSecond: number;
  peakRssMiB: number;
  /** CPU seconds this process used over the timed passes (all threads). */
  cpuSeconds: number;
  /**
   * zeroclip-images on Linux: the timed CPU seconds split by thread, onnxruntime's (the main
   * thread, which runs inference, and onnxruntime's pool) against everything else (the
   * preprocessing workers, libvips and libuv threads, the garbage collector).
   */
  threadCpu?: ThreadCpu;
  /** Embeddings of the first few inputs, for agreement checks between engines and dtypes. */
  sample: number[][];
}

/** The images of a folder, sorted (the first `limit` of them, when given). */
export async function imageFiles(dir: string, limit?: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();
  return names.slice(0, limit ?? names.length).map((n) => join(dir, n));
}

/** The sentences of a CuPL JSON file (the first `limit` of them, when given). */
export async function sentences(file: string, limit?: number): Promise<string[]> {
  const json = JSON.parse(await readFile(file, "utf8")) as Record<string, string[]>;
  const all = Object.values(json).flat();
  return limit === undefined ? all : all.slice(0, limit);
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const SAMPLE = 4;

/** Time `passes` runs of `fn` after a warm-up call; `fn` returns the items done and a sample. */
export async function timed(
  passes: number,
  warmup: () => Promise<unknown>,
  fn: () => Promise<{ items: number; sample: number[][] }>,
  inference?: ReadonlySet<number>,
): Promise<{
  items: number;
  seconds: number;
  cpuSeconds: number;
  sample: number[][];
  threadCpu?: ThreadCpu;
}> {
  await warmup();
  let items = 0;
  let sample: number[][] = [];
  const threads0 = inference && threadCpuSeconds();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) {
    const r = await fn();
    items += r.items;
    sample = r.sample;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const threads1 = threads0 && threadCpuSeconds();
  const threadCpu = threads0 && threads1 && splitThreadCpu(threads0, threads1, inference);
  return { items, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, sample, threadCpu };
}

async function zeroclipImages(t: Task) {
  const files = await imageFiles(t.images, t.limit);
  await readFile(files[0]); // starts libuv's thread pool, so it is not taken for onnxruntime's
  const before = new Set(threadCpuSeconds()?.keys());
  const model = await ClipModel.load(t.model, { dtype: t.dtype, threads: t.threads });
  const { cropHeight, cropWidth } = model.preprocess;
  // One inference before the preprocessing workers exist, so the threads that appear now are
  // onnxruntime's; with the main thread (which runs inference), they are the inference threads.
  await model.embedPixels(new Float32Array(3 * cropHeight * cropWidth), 1);
  const inference = new Set(
    [...(threadCpuSeconds()?.keys() ?? [])].filter((tid) => !before.has(tid)),
  );
  inference.add(process.pid);
  return timed(
    t.passes,
    () => model.embedImages(files.slice(0, t.batchSize), { batchSize: t.batchSize }),
    async () => {
      const res = await model.embedImages(files, { batchSize: t.batchSize });
      const bad = res.find((r) => r.error);
      if (bad) throw new Error(`${bad.input}: ${bad.error}`);
      return {
        items: files.length,
        sample: res.slice(0, SAMPLE).map((r) => Array.from(r.embedding!)),
      };
    },
    inference,
  );
}

async function zeroclipText(t: Task) {
  const model = await ClipModel.load(t.model, { dtype: t.dtype, threads: t.threads });
  const texts = await sentences(t.sentences, t.limit);
  return timed(
    t.passes,
    () => model.embedTexts(texts.slice(0, t.batchSize)),
    async () => {
      const embs = await model.embedTexts(texts, { batchSize: t.batchSize });
      return { items: texts.length, sample: embs.slice(0, SAMPLE).map((e) => Array.from(e)) };
    },
  );
}

/** The compute bound: onnxruntime on pixels prepared beforehand, same batches and threads. */
async function ortImages(t: Task) {
  const model = await ClipModel.load(t.model, { dtype: t.dtype, threads: t.threads });
  const files = await imageFiles(t.images, t.limit);
  const { preprocess: cfg } = model;
  const size = 3 * cfg.cropHeight * cfg.cropWidth;
  // Prepare pixels with zeroclip's pipeline (not timed), then feed onnxruntime directly.
  const { decodeImage } = await import("../src/image/decode.js");
  const { preprocessImage } = await import("../src/image/preprocess.js");
  const pixels = new Float32Array(files.length * size);
  for (const [i, f] of files.entries()) {
    preprocessImage(await decodeImage(await readFile(f)), cfg, pixels, i * size);
  }
  await model.dispose();
  const file = join(
    model.dir,
    `onnx/vision_model${t.dtype === "q8" ? "_quantized" : t.dtype === "fp16" ? "_fp16" : ""}.onnx`,
  );
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: t.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const batches = chunks(
    files.map((_, i) => i),
    t.batchSize,
  );
  const runBatch = async (idx: number[]) => {
    const data = pixels.subarray(idx[0] * size, (idx.at(-1)! + 1) * size);
    const out = await session.run({
      pixel_values: new ort.Tensor("float32", data, [idx.length, 3, cfg.cropHeight, cfg.cropWidth]),
    });
    // CLIP's projected tower names its output image_embeds; SigLIP's vision_model.onnx pooler_output.
    return out.image_embeds ?? out.pooler_output;
  };
  return timed(
    t.passes,
    () => runBatch(batches[0]),
    async () => {
      let first: ort.Tensor | undefined;
      for (const b of batches) {
        const e = await runBatch(b);
        first ??= e;
      }
      const w = first!.dims[1];
      const d = first!.data as Float32Array;
      return { items: files.length, sample: [Array.from(d.subarray(0, w))] };
    },
  );
}

type TransformersJs = typeof import("@huggingface/transformers");
/** Options of Transformers.js' `from_pretrained`. */
export type TfLoadOptions = Parameters<TransformersJs["PreTrainedModel"]["from_pretrained"]>[1];

/** Transformers.js set up for a local model directory: offline, on the CPU, the task's threads. */
export async function transformers(
  t: Pick<Task, "model" | "dtype" | "threads">,
): Promise<{ tf: TransformersJs; id: string; opts: TfLoadOptions }> {
  const tf = await import("@huggingface/transformers");
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = join(t.model, "..");
  const id = t.model.split("/").filter(Boolean).at(-1)!;
  const opts = {
    dtype: t.dtype,
    device: "cpu",
    session_options: { intraOpNumThreads: t.threads, interOpNumThreads: 1 },
  } as TfLoadOptions;
  return { tf, id, opts };
}

async function tfjsImages(t: Task) {
  const { tf, id, opts } = await transformers(t);
  const processor = await tf.AutoProcessor.from_pretrained(id);
  const model = await tf.CLIPVisionModelWithProjection.from_pretrained(id, opts);
  const files = await imageFiles(t.images);
  const runBatch = async (batch: string[]) => {
    const images = await Promise.all(batch.map((f) => tf.RawImage.read(f)));
    const inputs = await processor(images);
    const { image_embeds } = await model(inputs);
    return image_embeds as { data: Float32Array; dims: number[] };
  };
  return timed(
    t.passes,
    () => runBatch(files.slice(0, t.batchSize)),
    async () => {
      let first: { data: Float32Array; dims: number[] } | undefined;
      for (const b of chunks(files, t.batchSize)) {
        const e = await runBatch(b);
        first ??= e;
      }
      const w = first!.dims[1];
      return { items: files.length, sample: [Array.from(first!.data.subarray(0, w))] };
    },
  );
}

async function tfjsText(t: Task) {
  const { tf, id, opts } = await transformers(t);
  const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
  const model = await tf.CLIPTextModelWithProjection.from_pretrained(id, opts);
  const texts = await sentences(t.sentences);
  const runBatch = async (batch: string[]) => {
    const inputs = tokenizer(batch, { padding: true, truncation: true });
    const { text_embeds } = await model(inputs);
    return text_embeds as { data: Float32Array; dims: number[] };
  };
  return timed(
    t.passes,
    () => runBatch(texts.slice(0, t.batchSize)),
    async () => {
      let first: { data: Float32Array; dims: number[] } | undefined;
      for (const b of chunks(texts, t.batchSize)) {
        const e = await runBatch(b);
        first ??= e;
      }
      const w = first!.dims[1];
      return { items: texts.length, sample: [Array.from(first!.data.subarray(0, w))] };
    },
  );
}

const TASKS = {
  "zeroclip-images": zeroclipImages,
  "zeroclip-serve-images": (t: Task) => serveImages({ ...t, concurrency: t.concurrency ?? 64 }),
  "zeroclip-text": zeroclipText,
  "ort-images": ortImages,
  "tfjs-images": tfjsImages,
  "tfjs-text": tfjsText,
} as const;

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as Task;
  const r: {
    items: number;
    seconds: number;
    cpuSeconds: number;
    sample: number[][];
    peakRssMiB?: number;
    threadCpu?: ThreadCpu;
  } = await TASKS[task.kind](task);
  const result: Result = {
    kind: task.kind,
    dtype: task.dtype,
    items: r.items,
    seconds: r.seconds,
    perSecond: r.items / r.seconds,
    // The server's own peak (it runs in a child process), else this process's.
    peakRssMiB: r.peakRssMiB ?? process.resourceUsage().maxRSS / 1024,
    cpuSeconds: r.cpuSeconds,
    threadCpu: r.threadCpu,
    sample: r.sample,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

if (process.argv[1]?.endsWith("measure.js")) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
