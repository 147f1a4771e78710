#!/usr/bin/env node
/**
 * node dist/test/support/model-gen/cli.js --size tiny|vit-b-32|probe --out DIR [--seed N] [--q8]
 *   [--fp16] [--fp16-io] [--no-fp32] [--full-range] [--tokenizer-from DIR]
 * node dist/test/support/model-gen/cli.js --family siglip|siglip2 --size tiny|b-16 --out DIR
 *   [--seed N] [--q8] [--no-fp32] [--plain-tokenizer]
 * node dist/test/support/model-gen/cli.js --size probe-cluster --data DIR --out DIR
 *   [--held-out FROM-TO] [--seed N]
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  type ClipDims,
  DEFAULT_SEED,
  type Dtype,
  generateClipModel,
  PROBE,
  TINY,
  tokenizerVocabSize,
  VIT_B_32,
} from "./index.js";
import { writeProbeClusterModel } from "./probe-cluster.js";
import {
  generateSiglipModel,
  SIGLIP_B16,
  SIGLIP_TINY,
  SIGLIP2_B16,
  SIGLIP2_TINY,
  type SiglipDims,
  type SiglipDtype,
} from "./siglip/index.js";

const USAGE = `Usage: cli.js [--family clip|siglip|siglip2] --size SIZE --out DIR [options]

Writes a random-weight CLIP, SigLIP or SigLIP 2 model (Transformers.js layout) to DIR.

  --family clip|siglip|siglip2
                          default clip; siglip / siglip2 write text_model.onnx,
                          vision_model.onnx and the joint model.onnx (with
                          logit_scale / logit_bias), sizes tiny or b-16, and
                          take only --seed, --q8, --no-fp32 and --plain-tokenizer
  --plain-tokenizer       siglip: a tokenizer.json that neither lowercases nor drops
                          punctuation (the runtime must canonicalize by itself)

  --size tiny|vit-b-32|probe
                          model dimensions (required); probe = the tiny text tower with
                          a colour-grid vision tower (4x4 mean colours, 48-d, fp32 only)
                          whose image embeddings tell images apart;
                          probe-cluster = the class-clustering probe fitted on held-out
                          images of --data (docs/model-generator.md)
  --data DIR              probe-cluster: a folder with one subfolder per class
  --held-out FROM-TO      probe-cluster: the images fitted on, by position in each
                          class's sorted file list, TO excluded (default 500-1000)
  --out DIR               output directory (required)
  --seed N                PRNG seed (default ${DEFAULT_SEED}); same seed → identical bytes
  --q8                    also write onnx/*_quantized.onnx (dynamic int8 MatMuls)
  --fp16                  also write onnx/*_fp16.onnx
  --fp16-io               the fp16 files take and give float16 (as real fp16 exports)
                          instead of float32
  --no-fp32               skip the float32 files
  --full-range            q8 weights in [-127, 127] instead of 7-bit [-64, 64]
  --tokenizer-from DIR    copy tokenizer files from a real CLIP model dir; the text
                          vocabulary size becomes the tokenizer's (49408 for CLIP)
  -h, --help              show this help`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      family: { type: "string", default: "clip" },
      size: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      q8: { type: "boolean", default: false },
      fp16: { type: "boolean", default: false },
      "fp16-io": { type: "boolean", default: false },
      "no-fp32": { type: "boolean", default: false },
      "full-range": { type: "boolean", default: false },
      "plain-tokenizer": { type: "boolean", default: false },
      "tokenizer-from": { type: "string" },
      data: { type: "string" },
      "held-out": { type: "string", default: "500-1000" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.family === "siglip" || values.family === "siglip2") {
    return siglipMain(values.family, values);
  }
  if (values.size === "probe-cluster") return probeClusterMain(values);
  if (values.family !== "clip") {
    console.error(`--family must be clip, siglip or siglip2, got ${values.family}`);
    return 2;
  }
  const sizes: Record<string, ClipDims> = { tiny: TINY, "vit-b-32": VIT_B_32, probe: PROBE };
  const size = values.size === undefined ? undefined : sizes[values.size];
  if (!size || !values.out) {
    console.error(USAGE);
    return 2;
  }
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) {
    console.error(`--seed must be an integer, got ${values.seed}`);
    return 2;
  }
  const dtypes: Dtype[] = [];
  if (!values["no-fp32"]) dtypes.push("fp32");
  if (values.q8) dtypes.push("q8");
  if (values.fp16) dtypes.push("fp16");
  if (dtypes.length === 0) {
    console.error("nothing to write: --no-fp32 without --q8 or --fp16");
    return 2;
  }
  const tokenizerFrom = values["tokenizer-from"];
  const dims = { ...size };
  if (tokenizerFrom !== undefined) dims.vocabSize = await tokenizerVocabSize(tokenizerFrom);
  const out = resolve(values.out);
  const start = performance.now();
  await generateClipModel(out, {
    dims,
    seed,
    dtypes,
    tokenizerFrom,
    quantize: { reduceRange: !values["full-range"] },
    vision: values.size === "probe" ? "colour-grid" : "clip",
    fp16Io: values["fp16-io"],
    onFile: (rel, bytes) => console.log(`${rel}  ${(bytes / 1e6).toFixed(1)} MB`),
  });
  const secs = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`wrote ${values.size} (seed ${seed}, ${dtypes.join("+")}) to ${out} in ${secs} s`);
  return 0;
}

async function probeClusterMain(values: {
  data?: string;
  out?: string;
  seed?: string;
  "held-out": string;
}): Promise<number> {
  const range = /^(\d+)-(\d+)$/.exec(values["held-out"]);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (
    !values.data ||
    !values.out ||
    !range ||
    (seed !== undefined && !Number.isSafeInteger(seed))
  ) {
    console.error(
      "--size probe-cluster needs --data DIR, --out DIR, --held-out FROM-TO, an integer --seed",
    );
    return 2;
  }
  const data = resolve(values.data);
  const classes = (await readdir(data, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  const heldOut = [];
  for (const label of classes) {
    const files = (await readdir(join(data, label))).filter((f) => !f.startsWith(".")).sort();
    for (const f of files.slice(Number(range[1]), Number(range[2]))) {
      heldOut.push({ path: join(data, label, f), label });
    }
  }
  const out = resolve(values.out);
  const start = performance.now();
  await writeProbeClusterModel(out, { classes, heldOut, seed });
  const secs = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `wrote probe-cluster (${classes.length} classes, ${heldOut.length} held-out images) to ${out} in ${secs} s`,
  );
  return 0;
}

interface SiglipFlags {
  size?: string;
  out?: string;
  seed?: string;
  q8: boolean;
  "no-fp32": boolean;
  fp16: boolean;
  "tokenizer-from"?: string;
  "plain-tokenizer": boolean;
}

async function siglipMain(family: "siglip" | "siglip2", values: SiglipFlags): Promise<number> {
  const sizes: Record<string, SiglipDims> =
    family === "siglip"
      ? { tiny: SIGLIP_TINY, "b-16": SIGLIP_B16 }
      : { tiny: SIGLIP2_TINY, "b-16": SIGLIP2_B16 };
  const dims = values.size === undefined ? undefined : sizes[values.size];
  if (!dims || !values.out) {
    console.error(`--family ${family} needs --size tiny|b-16 and --out DIR`);
    return 2;
  }
  if (values.fp16 || values["tokenizer-from"] !== undefined) {
    console.error(`--family ${family} takes only --seed, --q8, --no-fp32 and --plain-tokenizer`);
    return 2;
  }
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) {
    console.error(`--seed must be an integer, got ${values.seed}`);
    return 2;
  }
  const dtypes: SiglipDtype[] = [];
  if (!values["no-fp32"]) dtypes.push("fp32");
  if (values.q8) dtypes.push("q8");
  if (dtypes.length === 0) {
    console.error("nothing to write: --no-fp32 without --q8");
    return 2;
  }
  const out = resolve(values.out);
  const start = performance.now();
  await generateSiglipModel(out, {
    family,
    dims,
    seed,
    dtypes,
    onFile: (rel, bytes) => console.log(`${rel}  ${(bytes / 1e6).toFixed(1)} MB`),
  });
  const secs = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `wrote ${family} ${values.size} (seed ${seed}, ${dtypes.join("+")}) to ${out} in ${secs} s`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
