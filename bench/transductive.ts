/**
 * TransCLIP's cost at library scale (docs/transductive.md, docs/benchmarks.md): N stored images
 * × K classes, random L2-normalized vectors (timing does not depend on their meaning). Measures
 * the neighbour graph (default `--graph product`: exact, from float32 score blocks on
 * onnxruntime's GEMM re-scored in float64, `neighbourGraphByProduct`; `--graph store`: the
 * store's `buildNeighbourGraph`, usearch HNSW beyond 20,000 images, with its sampled recall)
 * and the solver's 11 assignment blocks on the chosen kernel (onnxruntime's
 * float64 Gemm and the assignment updates on two threads by default, `--kernel js` for plain
 * JavaScript on one thread). `--blocks n` stops after n
 * blocks (an abort through the solver's signal) and extrapolates the rest from the steady
 * blocks; the default runs them all. Wall and CPU seconds (all threads) per phase; peak RSS is
 * the process's maximum resident set.
 *
 *   node dist/bench/transductive.js [--images 50000] [--classes 1000] [--dim 512]
 *     [--blocks 11] [--kernel ort|js] [--graph product|store] [--threads n]
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { createOrtProduct } from "../src/model/ort-product.js";
import { createStepPool } from "../src/model/step-pool.js";
import { type BuiltGraph, buildNeighbourGraph } from "../src/store/neighbour-graph.js";
import { neighbourGraphByProduct } from "../src/transductive/knn-scores.js";
import { jsProduct, type MatrixProduct } from "../src/transductive/products.js";
import { TRANSCLIP_DEFAULTS, transductiveZeroShotAsync } from "../src/transductive/transclip.js";
import { randomUnitVectors } from "../test/support/random-vectors.js";

const { values: a } = parseArgs({
  options: {
    images: { type: "string", default: "50000" },
    classes: { type: "string", default: "1000" },
    dim: { type: "string", default: "512" },
    blocks: { type: "string", default: String(TRANSCLIP_DEFAULTS.rounds + 1) },
    kernel: { type: "string", default: "ort" },
    graph: { type: "string", default: "product" },
    threads: { type: "string" },
  },
});
const N = Number(a.images);
const K = Number(a.classes);
const D = Number(a.dim);
const stopAfter = Number(a.blocks);
const total = TRANSCLIP_DEFAULTS.rounds + 1;

/** Wall and CPU (user + system, all threads) seconds since `from`. */
function since(from: { wall: number; cpu: NodeJS.CpuUsage }) {
  const c = process.cpuUsage(from.cpu);
  return { wall: (performance.now() - from.wall) / 1000, cpu: (c.user + c.system) / 1e6 };
}
const mark = () => ({ wall: performance.now(), cpu: process.cpuUsage() });
const round = (v: { wall: number; cpu: number }) => ({
  wall: Number(v.wall.toFixed(2)),
  cpu: Number(v.cpu.toFixed(2)),
});

const images = randomUnitVectors(N, D, 1);
const classes = randomUnitVectors(K, D, 2);
const threads = a.threads === undefined ? undefined : Number(a.threads);
const ort =
  a.kernel === "ort" || a.graph === "product" ? await createOrtProduct({ threads }) : undefined;
let t = mark();
const nbrs = TRANSCLIP_DEFAULTS.neighbours;
const built: BuiltGraph =
  a.graph === "store" || !ort
    ? buildNeighbourGraph(images, { k: nbrs })
    : { method: "exact", graph: await neighbourGraphByProduct(images, nbrs, ort.candidates) };
const graph = since(t);
process.stderr.write(
  `graph: ${a.graph} ${built.method}, ${graph.wall.toFixed(1)} s (cpu ${graph.cpu.toFixed(1)} s), recall ${built.recall ?? 1}\n`,
);

const product: MatrixProduct = a.kernel === "ort" && ort ? ort.product : jsProduct;
let productTime = { wall: 0, cpu: 0 };
const timedProduct: MatrixProduct = async (req) => {
  const s = mark();
  await product(req);
  const d = since(s);
  productTime = { wall: productTime.wall + d.wall, cpu: productTime.cpu + d.cpu };
};

const pool = a.kernel === "ort" ? createStepPool() : undefined;
const ac = new AbortController();
const blocks: { wall: number; cpu: number }[] = [];
t = mark();
let last = t;
let finished = false;
try {
  await transductiveZeroShotAsync(images, classes, {
    graph: built.graph,
    product: timedProduct,
    steps: pool?.steps,
    signal: ac.signal,
    onProgress: (done) => {
      blocks.push(since(last));
      last = mark();
      const b = blocks.at(-1) as { wall: number; cpu: number };
      process.stderr.write(
        `block ${done}/${total}: ${b.wall.toFixed(1)} s (cpu ${b.cpu.toFixed(1)} s)\n`,
      );
      if (done >= stopAfter && done < total) ac.abort(new Error("stopped"));
    },
  });
  finished = true;
} catch (err) {
  if (!ac.signal.aborted) throw err;
}
const measured = since(t);
await ort?.release();
await pool?.close();
// The first block also holds the set-up (ŷ, the graph's compressed rows, the first means).
const steady = blocks.length > 1 ? blocks.slice(1) : blocks;
const mean = (f: (b: { wall: number; cpu: number }) => number) =>
  steady.reduce((s, b) => s + f(b), 0) / steady.length;
const solve = finished
  ? measured
  : {
      wall: measured.wall + mean((b) => b.wall) * (total - blocks.length),
      cpu: measured.cpu + mean((b) => b.cpu) * (total - blocks.length),
    };
const result = {
  images: N,
  classes: K,
  dim: D,
  cores: cpus().length,
  kernel: a.kernel,
  graph: { source: a.graph, method: built.method, ...round(graph), recall: built.recall ?? 1 },
  blocksMeasured: blocks.length,
  blocks: blocks.map(round),
  products: round(productTime),
  solve: round(solve),
  solveExtrapolated: !finished,
  total: round({ wall: graph.wall + solve.wall, cpu: graph.cpu + solve.cpu }),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
