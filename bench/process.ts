/**
 * The whole-process section of `npm run bench` (alone: `npm run bench -- --process-only`): the
 * jobs a user runs, each a fresh process timed from spawn to exit, so start-up, model loading,
 * decoding and printing all count, as they do for a user:
 * - `zeroclip embed --image <128 photos>` (fp32 and q8) and `zeroclip embed --texts-file
 *   <1,024 CuPL sentences>`, against bench/tfjs-embed.ts doing the same job with
 *   Transformers.js, output to a file as `> embeddings.jsonl` would;
 * - start-up: `zeroclip --version`'s wall time, `await import("zeroclip")` and
 *   `await import("@huggingface/transformers")` inside a fresh process, and one image from a
 *   cold start (a fresh process embedding one photo) for each engine.
 * Rounds are interleaved (every measurement once, then again); throughput counts the best round,
 * start-up times the median of every run.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosine } from "../src/math/vector.js";
import type { ProcessReport, ProcessRow } from "./process-report.js";

export interface ProcessTask {
  model: string;
  /** A folder of photos; the first 128 (repeated under new names if fewer) are embedded. */
  images: string;
  /** CuPL JSON; its first 1,024 sentences are embedded. */
  sentences: string;
  threads: number;
  batchSize: number;
  textBatchSize: number;
  rounds: number;
  /** Scratch folder (photos, sentence file, outputs). */
  workDir: string;
  root: string;
}

export const IMAGE_COUNT = 128;
export const TEXT_COUNT = 1024;
/** Start-up runs per round (their median over all rounds is reported). */
const STARTUP_RUNS = 3;

interface Run {
  seconds: number;
  /** The output file (jsonl) or the process's stdout. */
  out: string;
}

/** Runs `node args…` to completion, stdout into `outFile`; wall seconds from spawn to exit. */
function timedNode(args: string[], outFile: string, env: NodeJS.ProcessEnv, cwd: string) {
  return new Promise<number>((resolve, reject) => {
    const out = createWriteStream(outFile);
    out.on("open", () => {
      const start = process.hrtime.bigint();
      const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", out, "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr = (stderr + d).slice(-2000);
      });
      child.on("error", reject);
      child.on("close", (code) => {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        out.close();
        if (code === 0) resolve(seconds);
        else reject(new Error(`node ${args.slice(0, 3).join(" ")} … exited ${code}: ${stderr}`));
      });
    });
    out.on("error", reject);
  });
}

interface Measurement {
  name: string;
  kind: "throughput" | "startup";
  /** Items per run (images or sentences), for throughput. */
  items?: number;
  args: string[];
  /** The Transformers.js side runs with onnxruntime's telemetry off as zeroclip's does. */
  tfjs?: boolean;
}

async function preparePhotos(task: ProcessTask): Promise<string[]> {
  const names = (await readdir(task.images)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();
  if (names.length === 0) throw new Error(`no photos in ${task.images}`);
  const dir = join(task.workDir, "photos");
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < IMAGE_COUNT; i++) {
    const name = names[i % names.length];
    const file = join(dir, `${String(i).padStart(3, "0")}-${name}`);
    await copyFile(join(task.images, name), file);
    files.push(file);
  }
  return files;
}

async function prepareTexts(task: ProcessTask): Promise<string> {
  const json = JSON.parse(await readFile(task.sentences, "utf8")) as Record<string, string[]>;
  const texts = Object.values(json)
    .flat()
    .map((t) => t.replace(/\s+/g, " ").trim())
    .filter((t) => t !== "")
    .slice(0, TEXT_COUNT);
  if (texts.length < TEXT_COUNT) throw new Error(`${task.sentences}: fewer than ${TEXT_COUNT}`);
  const file = join(task.workDir, "sentences.txt");
  await writeFile(file, texts.join("\n") + "\n");
  return file;
}

function plan(task: ProcessTask, photos: string[], textsFile: string): Measurement[] {
  const cli = join(task.root, "bin", "zeroclip.js");
  const tfjs = join(task.root, "dist", "bench", "tfjs-embed.js");
  const common = ["--model", task.model, "--threads", String(task.threads)];
  const images = (list: string[]) => list.flatMap((p) => ["--image", p]);
  const zc = (dtype: string, list: string[]) => [
    cli,
    "embed",
    ...images(list),
    ...common,
    "--dtype",
    dtype,
    "--batch-size",
    String(task.batchSize),
    "--format",
    "jsonl",
  ];
  const tf = (dtype: string, list: string[]) => [
    tfjs,
    ...images(list),
    ...common,
    "--dtype",
    dtype,
    "--batch-size",
    String(task.batchSize),
  ];
  const texts = ["--texts-file", textsFile, "--batch-size", String(task.textBatchSize)];
  const importZeroclip =
    "const t = process.hrtime.bigint(); const { ClipModel } = await import('zeroclip'); " +
    "if (typeof ClipModel !== 'function') throw new Error('no ClipModel'); " +
    "console.log(Number(process.hrtime.bigint() - t) / 1e6);";
  return [
    { name: "node -e 0 (Node's own start-up)", kind: "startup", args: ["-e", "0"] },
    { name: "zeroclip --version", kind: "startup", args: [cli, "--version"] },
    {
      name: "import { ClipModel } from zeroclip (in-process ms)",
      kind: "startup",
      args: ["--input-type=module", "-e", importZeroclip],
    },
    {
      name: "import transformers.js (in-process ms)",
      kind: "startup",
      args: [tfjs, "--import-only"],
      tfjs: true,
    },
    {
      name: "zeroclip embed, 1 image, cold",
      kind: "startup",
      args: zc("fp32", photos.slice(0, 1)),
    },
    {
      name: "transformers.js, 1 image, cold",
      kind: "startup",
      args: tf("fp32", photos.slice(0, 1)),
      tfjs: true,
    },
    {
      name: "zeroclip embed images fp32",
      kind: "throughput",
      items: photos.length,
      args: zc("fp32", photos),
    },
    {
      name: "zeroclip embed images q8",
      kind: "throughput",
      items: photos.length,
      args: zc("q8", photos),
    },
    {
      name: "transformers.js images fp32",
      kind: "throughput",
      items: photos.length,
      args: tf("fp32", photos),
      tfjs: true,
    },
    {
      name: "zeroclip embed texts fp32",
      kind: "throughput",
      items: TEXT_COUNT,
      args: [cli, "embed", ...texts, ...common, "--format", "jsonl"],
    },
    {
      name: "transformers.js texts fp32",
      kind: "throughput",
      items: TEXT_COUNT,
      args: [tfjs, ...texts, ...common, "--dtype", "fp32"],
      tfjs: true,
    },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The first embedding in a jsonl output file. */
async function firstEmbedding(file: string): Promise<number[] | undefined> {
  const line = (await readFile(file, "utf8")).split("\n")[0];
  return line ? (JSON.parse(line).embedding as number[]) : undefined;
}

export async function runProcessBench(task: ProcessTask): Promise<ProcessReport> {
  await rm(task.workDir, { recursive: true, force: true });
  await mkdir(task.workDir, { recursive: true });
  const photos = await preparePhotos(task);
  const textsFile = await prepareTexts(task);
  const measurements = plan(task, photos, textsFile);
  const runs = new Map<string, Run[]>();
  for (let round = 1; round <= task.rounds; round++) {
    for (const m of measurements) {
      const times = m.kind === "startup" ? STARTUP_RUNS : 1;
      for (let k = 0; k < times; k++) {
        const out = join(task.workDir, `${measurements.indexOf(m)}.out`);
        const env = m.tfjs ? { ...process.env, ORT_DISABLE_TELEMETRY: "1" } : process.env;
        process.stderr.write(`bench: ${m.name} (round ${round} of ${task.rounds}) …`);
        const seconds = await timedNode(m.args, out, env, task.root);
        const stdout = await readFile(out, "utf8");
        if (m.items !== undefined) {
          const lines = stdout.split("\n").filter((l) => l !== "").length;
          if (lines !== m.items)
            throw new Error(`${m.name}: ${lines} output lines, not ${m.items}`);
        }
        // Only the in-process timings' outputs are read later (the embeddings stay in the file).
        const kept = m.items === undefined ? stdout : "";
        runs.set(m.name, [...(runs.get(m.name) ?? []), { seconds, out: kept }]);
        process.stderr.write(` ${seconds.toFixed(2)} s\n`);
      }
    }
  }
  const rows: ProcessRow[] = measurements.map((m) => {
    const rs = runs.get(m.name)!;
    const walls = rs.map((r) => r.seconds);
    if (m.kind === "throughput") {
      return {
        name: m.name,
        kind: m.kind,
        walls,
        value: m.items! / Math.min(...walls),
        unit: m.items === TEXT_COUNT ? "sentences/s" : "images/s",
      };
    }
    if (m.name.includes("in-process ms")) {
      return {
        name: m.name,
        kind: m.kind,
        walls,
        value: median(rs.map((r) => Number(r.out.trim().split("\n").at(-1)))),
        unit: "ms",
      };
    }
    return { name: m.name, kind: m.kind, walls, value: median(walls), unit: "s" };
  });
  const v = (name: string) => rows.find((r) => r.name === name)!.value;
  const ratios = {
    imagesFp32VsTransformersJs: v("zeroclip embed images fp32") / v("transformers.js images fp32"),
    imagesQ8VsTransformersJsFp32: v("zeroclip embed images q8") / v("transformers.js images fp32"),
    textsVsTransformersJs: v("zeroclip embed texts fp32") / v("transformers.js texts fp32"),
    firstImageWallVsTransformersJs:
      v("zeroclip embed, 1 image, cold") / v("transformers.js, 1 image, cold"),
  };
  const versionWall = v("zeroclip --version");
  const importMs = v("import { ClipModel } from zeroclip (in-process ms)");
  const targets = {
    versionWall: { target: "≤ 0.15 s", met: versionWall <= 0.15 },
    importMs: { target: "≤ 200 ms", met: importMs <= 200 },
    imagesFp32VsTransformersJs: { target: "≥ 1.3", met: ratios.imagesFp32VsTransformersJs >= 1.3 },
    imagesQ8VsTransformersJsFp32: {
      target: "≥ 2.5",
      met: ratios.imagesQ8VsTransformersJsFp32 >= 2.5,
    },
    textsVsTransformersJs: { target: "≥ 2.5", met: ratios.textsVsTransformersJs >= 2.5 },
    firstImageWallVsTransformersJs: {
      target: "≤ 0.8",
      met: ratios.firstImageWallVsTransformersJs <= 0.8,
    },
  };
  const agree = async (a: string, b: string) => {
    const i = measurements.findIndex((m) => m.name === a);
    const j = measurements.findIndex((m) => m.name === b);
    const x = await firstEmbedding(join(task.workDir, `${i}.out`));
    const y = await firstEmbedding(join(task.workDir, `${j}.out`));
    return x && y ? cosine(Float32Array.from(x), Float32Array.from(y)) : undefined;
  };
  const agreement = {
    firstImageZeroclipVsTransformersJs: await agree(
      "zeroclip embed images fp32",
      "transformers.js images fp32",
    ),
    firstTextZeroclipVsTransformersJs: await agree(
      "zeroclip embed texts fp32",
      "transformers.js texts fp32",
    ),
  };
  await rm(task.workDir, { recursive: true, force: true });
  return {
    rows,
    ratios,
    targets,
    agreement,
    settings: {
      images: IMAGE_COUNT,
      texts: TEXT_COUNT,
      rounds: task.rounds,
      threads: task.threads,
    },
  };
}
