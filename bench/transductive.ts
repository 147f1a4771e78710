/**
 * TransCLIP's cost at library scale (docs/transductive.md): N stored images × K classes, random
 * L2-normalized vectors (timing does not depend on their meaning). Measures the neighbour graph
 * (`buildNeighbourGraph`: usearch HNSW beyond 20,000 images, with its sampled recall) and the
 * solver's assignment blocks; stops after `--blocks` of the 11 blocks (an abort through the
 * solver's signal) and extrapolates the total from the per-block time, so a run that would
 * take far over the target still ends. Peak RSS is the process's maximum resident set.
 *
 *   node dist/bench/transductive.js [--images 50000] [--classes 1000] [--dim 512] [--blocks 2]
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { buildNeighbourGraph } from "../src/store/neighbour-graph.js";
import { TRANSCLIP_DEFAULTS, transductiveZeroShot } from "../src/transductive/transclip.js";
import { randomUnitVectors } from "../test/support/random-vectors.js";

const { values: a } = parseArgs({
  options: {
    images: { type: "string", default: "50000" },
    classes: { type: "string", default: "1000" },
    dim: { type: "string", default: "512" },
    blocks: { type: "string", default: "2" },
  },
});
const N = Number(a.images);
const K = Number(a.classes);
const D = Number(a.dim);
const stopAfter = Number(a.blocks);
const total = TRANSCLIP_DEFAULTS.rounds + 1;

const images = randomUnitVectors(N, D, 1);
const classes = randomUnitVectors(K, D, 2);
let t = performance.now();
const built = buildNeighbourGraph(images, { k: TRANSCLIP_DEFAULTS.neighbours });
const graphSeconds = (performance.now() - t) / 1000;
process.stderr.write(
  `graph: ${built.method}, ${graphSeconds.toFixed(1)} s, recall ${built.recall ?? 1}\n`,
);

const ac = new AbortController();
const blockTimes: number[] = [];
t = performance.now();
let last = t;
let finished = false;
try {
  transductiveZeroShot(images, classes, {
    graph: built.graph,
    signal: ac.signal,
    onProgress: (done) => {
      const now = performance.now();
      blockTimes.push((now - last) / 1000);
      last = now;
      process.stderr.write(`block ${done}/${total}: ${blockTimes.at(-1)!.toFixed(1)} s\n`);
      if (done >= stopAfter && done < total) ac.abort(new Error("stopped"));
    },
  });
  finished = true;
} catch (err) {
  if (!ac.signal.aborted) throw err;
}
const measured = (performance.now() - t) / 1000;
const perBlock = blockTimes.slice(1).length > 0 ? blockTimes.slice(1) : blockTimes;
const meanBlock = perBlock.reduce((x, y) => x + y, 0) / perBlock.length;
// The first block also holds the set-up (ŷ, first means); the others are alike.
const solveSeconds = finished ? measured : blockTimes[0] + meanBlock * (total - 1);
const result = {
  images: N,
  classes: K,
  dim: D,
  cores: cpus().length,
  graph: { method: built.method, seconds: graphSeconds, recall: built.recall ?? 1 },
  blocksMeasured: blockTimes.length,
  blockSeconds: blockTimes,
  solveSeconds,
  solveExtrapolated: !finished,
  totalSeconds: graphSeconds + solveSeconds,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
