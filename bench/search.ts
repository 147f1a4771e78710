/**
 * Search speed and approximate-search recall, in its own process:
 * `node dist/bench/search.js '{"vectors":100000,"annVectors":1000000,"dim":512,"queries":50}'`
 * prints one JSON line.
 *
 * - exact: `vectors` generated 512-d embeddings are written into the embedded store (SQLite
 *   file, batches of 1,000 in one transaction each), then `store.nearest(query, 10)` is timed
 *   over held-out queries: the first call (which loads the matrix) apart, then the median.
 * - approximate: usearch's HNSW index (the ANN library the store would use beside it) over
 *   `annVectors` vectors, recall@10 against exact search on the same vectors, and its latency,
 *   at the configured search expansion (ef) and at each ef of a sweep over the same graph
 *   (saved once, then reopened with each ef), so the ef that reaches a recall can be read off.
 *
 * Vectors are clustered like CLIP embeddings (1,000 random centres plus Gaussian noise,
 * L2-normalized); queries come from the same distribution but are not stored.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import usearch, { type ScalarKind } from "usearch";
import { exactTopK } from "../src/store/exact.js";
import { SqliteStore } from "../src/store/sqlite.js";
import type { StoreIdentity } from "../src/store/types.js";
import { seeded } from "../test/support/random-vectors.js";

export interface SearchTask {
  vectors: number;
  annVectors: number;
  dim: number;
  queries: number;
  /** HNSW parameters. */
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  /** HNSW vector precision: "f16" (default: half the memory and build time of "f32"), "f32" or "i8". */
  quantization?: "f32" | "f16" | "i8";
}

export interface SearchResult {
  vectors: number;
  dim: number;
  insertSeconds: number;
  firstQueryMs: number;
  exactMedianMs: number;
  exactP95Ms: number;
  annVectors: number;
  annBuildSeconds?: number;
  annMedianMs?: number;
  annRecallAt10?: number;
  exactAtAnnSizeMedianMs?: number;
  /** Recall@10 and median latency of the same graph searched with each expansion (ef). */
  annSweep?: { expansionSearch: number; recallAt10: number; medianMs: number }[];
  hnsw?: {
    connectivity: number;
    expansionAdd: number;
    expansionSearch: number;
    quantization: string;
  };
  peakRssMiB: number;
}

/**
 * `n` clustered unit vectors (row-major) around 1,000 fixed centres; the noise comes from `seed`,
 * so seed 1 gives the stored vectors (a prefix of the same list for any n) and seed 2 queries.
 */
export function clusteredVectors(n: number, dim: number, seed: number): Float32Array {
  const gaussian = (r: () => number) => () =>
    Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const centres = new Float32Array(1000 * dim).map(gaussian(seeded(12345)));
  const r = seeded(seed);
  const gauss = gaussian(r);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * 1000) * dim;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = centres[c + d] + 0.8 * gauss();
      out[i * dim + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[i * dim + d] /= norm;
  }
  return out;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function identity(dim: number): StoreIdentity {
  const f = (file: string) => ({ file, size: 0, sha256: "0".repeat(64) });
  return {
    key: "bench",
    model: "bench",
    dtype: "fp32",
    dim,
    vision: f("vision"),
    text: f("text"),
    configs: { config: "", preprocessor: "" },
    exifOrientation: true,
    preprocessVersion: 1,
  };
}

async function exact(t: SearchTask, queries: Float32Array) {
  const dir = await mkdtemp(join(tmpdir(), "zeroclip-bench-search-"));
  try {
    const store = SqliteStore.open(join(dir, "bench.zcstore"));
    await store.bind(identity(t.dim));
    const data = clusteredVectors(t.vectors, t.dim, 1);
    let start = process.hrtime.bigint();
    for (let s = 0; s < t.vectors; s += 1000) {
      const items = [];
      for (let i = s; i < Math.min(t.vectors, s + 1000); i++) {
        items.push({
          input: `/photos/${String(i).padStart(8, "0")}.jpg`,
          size: 1,
          mtimeMs: 0,
          sha256: null,
          status: "ok" as const,
          embedding: data.subarray(i * t.dim, (i + 1) * t.dim),
        });
      }
      await store.put(items);
    }
    const insertSeconds = ms(start) / 1000;
    const q = (i: number) => queries.slice(i * t.dim, (i + 1) * t.dim);
    start = process.hrtime.bigint();
    await store.nearest(q(0), 10);
    const firstQueryMs = ms(start);
    const lat: number[] = [];
    for (let i = 0; i < t.queries; i++) {
      start = process.hrtime.bigint();
      await store.nearest(q(i), 10);
      lat.push(ms(start));
    }
    await store.close();
    return {
      insertSeconds,
      firstQueryMs,
      exactMedianMs: percentile(lat, 0.5),
      exactP95Ms: percentile(lat, 0.95),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function approximate(t: SearchTask, queries: Float32Array) {
  const hnsw = {
    connectivity: t.connectivity ?? 16,
    expansionAdd: t.expansionAdd ?? 128,
    expansionSearch: t.expansionSearch ?? 128,
    quantization: t.quantization ?? "f16",
  };
  const data = clusteredVectors(t.annVectors, t.dim, 1);
  /** An empty HNSW index with these parameters, searched with expansion `ef`. */
  const hnswIndex = (ef: number) =>
    new usearch.Index({
      dimensions: t.dim,
      metric: usearch.MetricKind.Cos,
      connectivity: hnsw.connectivity,
      expansion_add: hnsw.expansionAdd,
      expansion_search: ef,
      quantization: hnsw.quantization as ScalarKind,
      multi: false,
    });
  const index = hnswIndex(hnsw.expansionSearch);
  const keys = new BigUint64Array(t.annVectors).map((_, i) => BigInt(i));
  let start = process.hrtime.bigint();
  index.add(keys, data, 0);
  const annBuildSeconds = ms(start) / 1000;
  const exactLat: number[] = [];
  const truths: number[][] = [];
  for (let i = 0; i < t.queries; i++) {
    const q = queries.slice(i * t.dim, (i + 1) * t.dim);
    start = process.hrtime.bigint();
    truths.push(exactTopK(data, t.annVectors, q, 10).map((h) => h.row));
    exactLat.push(ms(start));
  }
  /** Recall@10 against exact search and median latency of `idx` over the queries. */
  const score = (idx: ReturnType<typeof hnswIndex>) => {
    const lat: number[] = [];
    let recall = 0;
    for (let i = 0; i < t.queries; i++) {
      const q = queries.slice(i * t.dim, (i + 1) * t.dim);
      start = process.hrtime.bigint();
      const found = idx.search(q, 10, 1) as { keys: BigUint64Array };
      lat.push(ms(start));
      const got = new Set(Array.from(found.keys, Number));
      recall += truths[i].filter((r) => got.has(r)).length / truths[i].length;
    }
    return { recallAt10: recall / t.queries, medianMs: percentile(lat, 0.5) };
  };
  const configured = score(index);
  // usearch fixes ef when an index is constructed: reopen the saved graph with each ef.
  const dir = await mkdtemp(join(tmpdir(), "zeroclip-bench-hnsw-"));
  const annSweep: NonNullable<SearchResult["annSweep"]> = [];
  try {
    const file = join(dir, "graph.usearch");
    index.save(file);
    for (const ef of [64, 128, 256, 512, 1024]) {
      const view = hnswIndex(ef);
      view.view(file);
      annSweep.push({ expansionSearch: ef, ...score(view) });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    annBuildSeconds,
    annMedianMs: configured.medianMs,
    annRecallAt10: configured.recallAt10,
    exactAtAnnSizeMedianMs: percentile(exactLat, 0.5),
    annSweep,
    hnsw,
  };
}

async function main(): Promise<void> {
  const t = JSON.parse(process.argv[2]) as SearchTask;
  // Held-out queries: the same distribution, never stored.
  const queries = clusteredVectors(t.queries, t.dim, 2);
  const e = await exact(t, queries);
  const a = t.annVectors > 0 ? await approximate(t, queries) : {};
  const result: SearchResult = {
    vectors: t.vectors,
    dim: t.dim,
    ...e,
    annVectors: t.annVectors,
    ...a,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

if (process.argv[1]?.endsWith("search.js")) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
