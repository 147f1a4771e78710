/**
 * The SigLIP measurements of `npm run bench` that need their own code (zeroclip's side runs
 * through measure.ts's zeroclip-images / zeroclip-text tasks on the SigLIP directory):
 *
 *   node dist/bench/siglip.js '<json task>'   → one JSON line on stdout
 *
 * - tfjs-siglip-images / tfjs-siglip-text: Transformers.js' SiglipVisionModel (AutoProcessor)
 *   and SiglipTextModel (padding to max_length, as its pipeline does) on the same export.
 * - siglip-agreement: Transformers.js' zero-shot pipeline (template "This is a photo of {}",
 *   sigmoid of model.onnx's logits, sharp resizing) against zeroclip's probabilities on the same
 *   images and labels, with that template and with the family default "This is a photo of {}.".
 */
import { ClipModel } from "../src/model/clip-model.js";
import type { Dtype } from "../src/model/files.js";
import { CIFAR10_CLASSES } from "../test/support/datasets.js";
import {
  chunks,
  imageFiles,
  type Result,
  SAMPLE,
  sentences,
  timed,
  transformers,
} from "./measure.js";

export interface SiglipTask {
  kind: "tfjs-siglip-images" | "tfjs-siglip-text" | "siglip-agreement";
  model: string;
  dtype: Dtype;
  images: string;
  sentences: string;
  batchSize: number;
  threads: number;
  passes: number;
  limit?: number;
  /** siglip-agreement: how many images (default 16) and which labels. */
  agreementImages?: number;
  labels?: string[];
}

export interface ProbabilityAgreement {
  images: number;
  labels: number;
  /** Over every (image, label): max and mean |p_zeroclip − p_transformers.js|. */
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Share of images whose best label is the same. */
  top1Agreement: number;
}

export interface SiglipAgreement {
  /** zeroclip with Transformers.js' template (no period): the preprocessing difference alone. */
  sameTemplate: ProbabilityAgreement;
  /** zeroclip with the family's default template (the Python pipeline's, with the period). */
  defaultTemplate: ProbabilityAgreement;
}

type Out = { data: Float32Array; dims: number[] };

interface Scored {
  probabilities(image: ArrayLike<number>, classes: readonly ArrayLike<number>[]): Float64Array;
}

async function tfjsImages(t: SiglipTask) {
  const { tf, id, opts } = await transformers(t);
  const processor = await tf.AutoProcessor.from_pretrained(id);
  const model = await tf.SiglipVisionModel.from_pretrained(id, opts);
  const files = await imageFiles(t.images, t.limit);
  const runBatch = async (batch: string[]) => {
    const images = await Promise.all(batch.map((f) => tf.RawImage.read(f)));
    const { pooler_output } = await model(await processor(images));
    return pooler_output as Out;
  };
  return timed(
    t.passes,
    () => runBatch(files.slice(0, t.batchSize)),
    async () => {
      let first: Out | undefined;
      for (const b of chunks(files, t.batchSize)) {
        const out = await runBatch(b); // every batch runs (`first ??= await …` would skip them)
        first ??= out;
      }
      return { items: files.length, sample: firstRows(first!) };
    },
  );
}

async function tfjsText(t: SiglipTask) {
  const { tf, id, opts } = await transformers(t);
  const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
  const model = await tf.SiglipTextModel.from_pretrained(id, opts);
  const texts = await sentences(t.sentences, t.limit);
  const runBatch = async (batch: string[]) => {
    const inputs = tokenizer(batch, { padding: "max_length", truncation: true });
    const { pooler_output } = await model(inputs);
    return pooler_output as Out;
  };
  return timed(
    t.passes,
    () => runBatch(texts.slice(0, t.batchSize)),
    async () => {
      let first: Out | undefined;
      for (const b of chunks(texts, t.batchSize)) {
        const out = await runBatch(b);
        first ??= out;
      }
      return { items: texts.length, sample: firstRows(first!) };
    },
  );
}

function firstRows(o: Out): number[][] {
  const w = o.dims[1];
  const n = Math.min(SAMPLE, o.dims[0]);
  return Array.from({ length: n }, (_, i) => Array.from(o.data.subarray(i * w, (i + 1) * w)));
}

/** Compares two [image][label] probability tables. */
export function compareProbabilities(a: number[][], b: number[][]): ProbabilityAgreement {
  let max = 0;
  let sum = 0;
  let n = 0;
  let same = 0;
  const argmax = (r: number[]) => r.indexOf(Math.max(...r));
  a.forEach((row, i) => {
    row.forEach((p, j) => {
      const d = Math.abs(p - b[i][j]);
      max = Math.max(max, d);
      sum += d;
      n++;
    });
    if (argmax(row) === argmax(b[i])) same++;
  });
  return {
    images: a.length,
    labels: a[0]?.length ?? 0,
    maxAbsDiff: max,
    meanAbsDiff: sum / n,
    top1Agreement: same / a.length,
  };
}

async function agreement(t: SiglipTask): Promise<SiglipAgreement> {
  const labels = t.labels ?? [...CIFAR10_CLASSES];
  const files = (await imageFiles(t.images)).slice(0, t.agreementImages ?? 16);
  const { tf, id, opts } = await transformers(t);
  const classify = await tf.pipeline("zero-shot-image-classification", id, opts);
  const theirs: number[][] = [];
  for (const f of files) {
    const res = (await classify(f, labels)) as { label: string; score: number }[];
    theirs.push(labels.map((l) => res.find((r) => r.label === l)!.score));
  }
  const model = await ClipModel.load(t.model, { dtype: t.dtype, threads: t.threads });
  // The family's scoring (sigmoid(scale·cos + bias) for SigLIP), present once zeroclip runs
  // model families.
  const scored = model as unknown as Partial<Scored>;
  if (typeof scored.probabilities !== "function") {
    throw new Error("this zeroclip build has no per-family probabilities");
  }
  const probabilities = scored.probabilities.bind(model);
  const images = await model.embedImages(files, { batchSize: t.batchSize });
  const ours = async (template: (l: string) => string) => {
    const classes = await model.embedTexts(labels.map(template));
    return images.map((r) => Array.from(probabilities(r.embedding!, classes)));
  };
  const noPeriod = await ours((l) => `This is a photo of ${l}`);
  const withPeriod = await ours((l) => `This is a photo of ${l}.`);
  await model.dispose();
  return {
    sameTemplate: compareProbabilities(noPeriod, theirs),
    defaultTemplate: compareProbabilities(withPeriod, theirs),
  };
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as SiglipTask;
  if (task.kind === "siglip-agreement") {
    process.stdout.write(`${JSON.stringify(await agreement(task))}\n`);
    process.exit(0);
  }
  const r = await (task.kind === "tfjs-siglip-images" ? tfjsImages(task) : tfjsText(task));
  const result: Result = {
    kind: task.kind as unknown as Result["kind"],
    dtype: task.dtype,
    items: r.items,
    seconds: r.seconds,
    perSecond: r.items / r.seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: r.cpuSeconds,
    sample: r.sample,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (process.argv[1]?.endsWith("siglip.js")) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
