/**
 * The probe-cluster fixture: a vision tower whose embeddings cluster by class, with a text tower
 * set from class prototypes, so zero-shot on it is far from chance and far from perfect, and
 * transduction (TransCLIP) has clusters to use — the regime the paper reports gains in.
 *
 * Vision (feature-tower.ts): fixed colour and edge features, then a projection fitted by LDA
 * (lda.ts) on held-out labelled images only, rotated into `dim` dimensions by a seeded random
 * orthonormal map. Text (bag-text-tower.ts): a bag of token vectors. Each class name's tokens
 * carry that class's target: the unit LDA-space prototype (normalized mean of the normalized
 * held-out embeddings) plus `noise` (a random vector inside the class subspace, so the text
 * misses its cluster's centre, as CLIP's texts do), normalized, rotated like the images. The
 * start token carries a vector of norm `gap` shared by every prompt (CLIP's modality gap: it
 * shrinks the spread of the cosines, so the zero-shot softmax is not one-hot). Every other
 * token gets a small random vector. See docs/model-generator.md.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ClipModel } from "../../../src/model/clip-model.js";
import { ClipTokenizer } from "../../../src/text/tokenizer.js";
import { seeded } from "../random-vectors.js";
import { buildBagTextGraph } from "./bag-text-tower.js";
import { buildFeatureTowerGraph, FEATURE_COUNT, type FeatureProjection } from "./feature-tower.js";
import { clipConfig, preprocessorConfig, writeJson, writeTokenizer } from "./files.js";
import { cachedFixture } from "./fixture-cache.js";
import { type ClipDims, GENERATOR_VERSION, PROBE } from "./index.js";
import { applyLda, fitLda, type Lda, orthonormalBasis } from "./lda.js";
import { checkTopology, modelMsg, type OnnxGraph } from "./onnx.js";
import { writeMsg } from "./proto.js";

export interface ProbeClusterOptions {
  /** Class names, in label order (each is tokenized as the tokenizer splits it). */
  classes: readonly string[];
  /** Held-out labelled images the projection and the prototypes are fitted on. */
  heldOut: readonly { path: string; label: string }[];
  /** Embedding dimension (default 512). */
  dim?: number;
  /** Side of the model's input images, a multiple of 32 (default 32, the CIFAR photos' own). */
  imageSize?: number;
  /** Norm of the in-subspace random part added to each unit prototype (default 1). */
  noise?: number;
  /** Norm of the start token's vector, shared by every prompt (default 10). */
  gap?: number;
  /** Norm of the random vector of every other token (default 0.3). */
  background?: number;
  seed?: number;
  /** Default <repoRoot>/.cache/fixtures. */
  cacheDir?: string;
}

const DEFAULTS = { dim: 512, imageSize: 32, noise: 1, gap: 10, background: 0.3, seed: 1 };

function unit(v: Float64Array): Float64Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Writes a model directory (config, tokenizer, preprocessing, the given towers). */
async function writeModelDir(dir: string, dims: ClipDims, graphs: Record<string, OnnxGraph>) {
  await mkdir(join(dir, "onnx"), { recursive: true });
  await writeTokenizer(dir, dims);
  await writeJson(join(dir, "config.json"), clipConfig(dims));
  await writeJson(join(dir, "preprocessor_config.json"), preprocessorConfig(dims));
  for (const [file, graph] of Object.entries(graphs)) {
    checkTopology(graph);
    const msg = modelMsg(graph, {
      producerName: "zeroclip-model-gen",
      producerVersion: GENERATOR_VERSION,
      docString: "probe-cluster: fixed features + LDA vision tower, bag-of-tokens text; not CLIP.",
    });
    await writeMsg(join(dir, "onnx", file), msg);
  }
}

/** The held-out images' raw features, through the feature tower without a projection. */
async function heldOutFeatures(
  dir: string,
  opts: ProbeClusterOptions,
  imageSize: number,
): Promise<Float32Array[]> {
  const dims = { ...PROBE, imageSize, projectionDim: FEATURE_COUNT };
  await writeModelDir(dir, dims, {
    "vision_model.onnx": buildFeatureTowerGraph(dims.imageSize),
    // Never run; ClipModel.load wants both towers.
    "text_model.onnx": buildBagTextGraph(
      new Float32Array(dims.vocabSize * FEATURE_COUNT),
      dims.vocabSize,
      FEATURE_COUNT,
    ),
  });
  const model = await ClipModel.load(dir);
  try {
    const results = await model.embedImages(
      opts.heldOut.map((h) => h.path),
      { normalize: false, batchSize: 64 },
    );
    return results.map((r) => {
      if (!r.embedding) throw new Error(`held-out image ${r.input}: ${r.error}`);
      return r.embedding;
    });
  } finally {
    await model.dispose();
  }
}

/** image_embeds = R · P · (x − mean), as the graph's weight (features × dim) and bias. */
function projection(lda: Lda, rotation: Float64Array[], dim: number): FeatureProjection {
  const f = lda.features;
  const weight = new Float32Array(f * dim);
  const bias = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    let b = 0;
    for (let t = 0; t < f; t++) {
      let w = 0;
      for (let r = 0; r < lda.rows; r++) w += rotation[r][j] * lda.projection[r * f + t];
      weight[t * dim + j] = w;
      b -= w * lda.mean[t];
    }
    bias[j] = b;
  }
  return { weight, bias, dim };
}

/** Unit prototypes in LDA space: the normalized mean of each class's normalized embeddings. */
function prototypes(lda: Lda, features: Float32Array[], opts: ProbeClusterOptions) {
  const sums = opts.classes.map(() => new Float64Array(lda.rows));
  for (const [i, x] of features.entries()) {
    const e = unit(applyLda(lda, x));
    const s = sums[opts.classes.indexOf(opts.heldOut[i].label)];
    for (let r = 0; r < lda.rows; r++) s[r] += e[r];
  }
  return sums.map(unit);
}

/** The token-vector table: background vectors, the start token's gap, each class's target. */
async function tokenTable(
  dir: string,
  protos: Float64Array[],
  rotation: Float64Array[],
  o: typeof DEFAULTS,
  classes: readonly string[],
) {
  const { dim } = o;
  const vocab = PROBE.vocabSize;
  const r = seeded(o.seed + 1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const randomUnit = (n: number) => unit(Float64Array.from({ length: n }, gauss));
  const table = new Float32Array(vocab * dim);
  for (let v = 0; v < vocab; v++)
    table.set(
      randomUnit(dim).map((x) => x * o.background),
      v * dim,
    );
  const tokenizer = await ClipTokenizer.load(dir);
  const bos = tokenizer.encode("")[0];
  const gap = randomUnit(dim);
  for (let t = 0; t < dim; t++) table[bos * dim + t] += o.gap * gap[t];
  for (const [c, name] of classes.entries()) {
    const ids = tokenizer.encode(name).slice(1, -1); // without BOS and EOS
    const rows = protos[c].length;
    const noise = randomUnit(rows);
    const target = unit(protos[c].map((x, k) => x + o.noise * noise[k]));
    for (const id of ids) {
      for (let j = 0; j < dim; j++) {
        let v = 0;
        for (let k = 0; k < rows; k++) v += rotation[k][j] * target[k];
        table[id * dim + j] += v / ids.length;
      }
    }
  }
  return table;
}

function resolved(opts: ProbeClusterOptions): typeof DEFAULTS {
  return {
    dim: opts.dim ?? DEFAULTS.dim,
    imageSize: opts.imageSize ?? DEFAULTS.imageSize,
    noise: opts.noise ?? DEFAULTS.noise,
    gap: opts.gap ?? DEFAULTS.gap,
    background: opts.background ?? DEFAULTS.background,
    seed: opts.seed ?? DEFAULTS.seed,
  };
}

/** Fits and writes the probe-cluster model into `outDir` (a new or empty directory). */
export async function writeProbeClusterModel(
  outDir: string,
  opts: ProbeClusterOptions,
): Promise<void> {
  const o = resolved(opts);
  if (opts.classes.length < 2) throw new Error("probe-cluster needs at least two classes");
  const labels = opts.heldOut.map((h) => {
    const c = opts.classes.indexOf(h.label);
    if (c < 0) throw new Error(`held-out label ${h.label} is not a class`);
    return c;
  });
  const featuresDir = join(outDir, ".features");
  const features = await heldOutFeatures(featuresDir, opts, o.imageSize);
  await rm(featuresDir, { recursive: true, force: true });
  const lda = fitLda(features, labels, opts.classes.length);
  const r = seeded(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const rotation = orthonormalBasis(
    Array.from({ length: lda.rows }, () => Float64Array.from({ length: o.dim }, gauss)),
  );
  if (rotation.length !== lda.rows) throw new Error(`dim ${o.dim} is below ${lda.rows}`);
  const dims = { ...PROBE, imageSize: o.imageSize, projectionDim: o.dim };
  await writeModelDir(outDir, dims, {}); // the tokenizer first: the token table needs it
  const protos = prototypes(lda, features, opts);
  const table = await tokenTable(outDir, protos, rotation, o, opts.classes);
  await writeModelDir(outDir, dims, {
    "vision_model.onnx": buildFeatureTowerGraph(dims.imageSize, projection(lda, rotation, o.dim)),
    "text_model.onnx": buildBagTextGraph(table, PROBE.vocabSize, o.dim),
  });
}

/**
 * Writes the probe-cluster model once into <cacheDir>/probe-cluster-<hash of options> and
 * reuses it (fixture-cache.ts). Fitting embeds the held-out images once through the features.
 */
export function ensureProbeClusterModel(opts: ProbeClusterOptions): Promise<string> {
  const key = JSON.stringify({
    version: GENERATOR_VERSION,
    kind: "probe-cluster",
    classes: opts.classes,
    heldOut: opts.heldOut,
    ...resolved(opts),
  });
  return cachedFixture("probe-cluster", key, opts.cacheDir, (tmp) =>
    writeProbeClusterModel(tmp, opts),
  );
}
