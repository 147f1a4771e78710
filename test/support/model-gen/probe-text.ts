/**
 * The probe-text fixture: the probe model's colour-grid vision tower with a text tower that
 * means something, so zero-shot on it is far from perfect and far from chance — the regime
 * transductive methods (TransCLIP) are for. The text tower is a bag of token vectors
 * (bag-text-tower.ts); the tokens of each class name are set from that class's prototype:
 * the mean colour-grid embedding of held-out images of the class (L2-normalized), plus noise,
 * so "a photo of a {class}." points near its class. Every other token gets a small random
 * vector, shared by all prompts. See docs/model-generator.md.
 */

import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ClipModel } from "../../../src/model/clip-model.js";
import { ClipTokenizer } from "../../../src/text/tokenizer.js";
import { seeded } from "../random-vectors.js";
import { buildBagTextGraph } from "./bag-text-tower.js";
import { cachedFixture } from "./fixture-cache.js";
import { ensureFixtureModel, GENERATOR_VERSION, PROBE } from "./index.js";
import { checkTopology, modelMsg } from "./onnx.js";
import { writeMsg } from "./proto.js";

export interface ProbeTextOptions {
  /** Class names, in label order (each is tokenized as the tokenizer splits it). */
  classes: readonly string[];
  /** Held-out labelled images the prototypes are the means of. */
  heldOut: readonly { path: string; label: string }[];
  /** Norm of the random part added to each (unit) prototype (default 0.6). */
  noise?: number;
  /** Norm of the random vector of every other token (default 0.3). */
  background?: number;
  seed?: number;
  /** Default <repoRoot>/.cache/fixtures. */
  cacheDir?: string;
}

const COPIED = [
  "config.json",
  "preprocessor_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.json",
  "merges.txt",
  "onnx/vision_model.onnx",
];

/** Unit class prototypes: the normalized mean of each class's normalized image embeddings. */
async function prototypes(probe: string, opts: ProbeTextOptions): Promise<Float64Array[]> {
  const dim = PROBE.projectionDim;
  const sums = opts.classes.map(() => new Float64Array(dim));
  const model = await ClipModel.load(probe);
  try {
    const results = await model.embedImages(opts.heldOut.map((h) => h.path));
    for (const [i, r] of results.entries()) {
      if (!r.embedding) throw new Error(`held-out image ${r.input}: ${r.error}`);
      const c = opts.classes.indexOf(opts.heldOut[i].label);
      if (c < 0) throw new Error(`held-out label ${opts.heldOut[i].label} is not a class`);
      for (let t = 0; t < dim; t++) sums[c][t] += r.embedding[t];
    }
  } finally {
    await model.dispose();
  }
  return sums.map(unit);
}

function unit(v: Float64Array): Float64Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** The token-vector table: background vectors, plus each class's target over its tokens. */
async function tokenTable(probe: string, protos: Float64Array[], opts: ProbeTextOptions) {
  const dim = PROBE.projectionDim;
  const vocab = PROBE.vocabSize;
  const r = seeded(opts.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const randomVector = (norm: number) =>
    unit(Float64Array.from({ length: dim }, gauss)).map((x) => x * norm);
  const table = new Float32Array(vocab * dim);
  const background = opts.background ?? 0.3;
  for (let v = 0; v < vocab; v++) table.set(randomVector(background), v * dim);
  const tokenizer = await ClipTokenizer.load(probe);
  for (const [c, name] of opts.classes.entries()) {
    const ids = tokenizer.encode(name).slice(1, -1); // without BOS and EOS
    const noise = randomVector(opts.noise ?? 0.6);
    const target = unit(protos[c].map((x, t) => x + noise[t]));
    for (const id of ids) {
      for (let t = 0; t < dim; t++) table[id * dim + t] += target[t] / ids.length;
    }
  }
  return { table, vocab, dim };
}

/**
 * Writes the probe-text model once into <cacheDir>/probe-text-<hash of options> and reuses it
 * (same rename-into-place scheme as `ensureFixtureModel`).
 */
export async function ensureProbeTextModel(opts: ProbeTextOptions): Promise<string> {
  const probe = await ensureFixtureModel("probe");
  const key = JSON.stringify({
    version: GENERATOR_VERSION,
    kind: "probe-text",
    classes: opts.classes,
    heldOut: opts.heldOut,
    noise: opts.noise ?? 0.6,
    background: opts.background ?? 0.3,
    seed: opts.seed ?? 1,
  });
  return cachedFixture("probe-text", key, opts.cacheDir, async (tmp) => {
    await mkdir(join(tmp, "onnx"), { recursive: true });
    for (const f of COPIED) {
      if (existsSync(join(probe, f))) await copyFile(join(probe, f), join(tmp, f));
    }
    const { table, vocab, dim } = await tokenTable(probe, await prototypes(probe, opts), opts);
    const graph = buildBagTextGraph(table, vocab, dim);
    checkTopology(graph);
    const msg = modelMsg(graph, {
      producerName: "zeroclip-model-gen",
      producerVersion: GENERATOR_VERSION,
      docString:
        "Bag-of-token-vectors text tower set from class prototypes (probe-text); not CLIP.",
    });
    await writeMsg(join(tmp, "onnx", "text_model.onnx"), msg);
  });
}
