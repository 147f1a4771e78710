/**
 * The neighbour graph TransCLIP needs over a set of stored (or freshly computed) embeddings,
 * from the store's nearest-neighbour engine (usearch): exact search (usearch's SIMD brute force
 * for the candidates, each re-scored in float64 like `exactTopK`) up to `exactLimit` images,
 * usearch's HNSW index beyond, with the graph's recall against exact search measured on a
 * sample of rows. Never an N × N matrix.
 */
import usearch from "usearch";
import { cosine } from "../math/vector.js";
import type { NeighbourGraph } from "../transductive/knn.js";
import { MARGIN } from "./exact.js";

export interface NeighbourGraphOptions {
  /** Neighbours per image (TransCLIP: 3). */
  k: number;
  /** Largest set searched exactly (default 20,000); larger sets use an HNSW index. */
  exactLimit?: number;
  /** Rows whose HNSW neighbours are checked against exact search (default 200). */
  recallSample?: number;
}

export interface BuiltGraph {
  graph: NeighbourGraph;
  method: "exact" | "hnsw";
  /** HNSW only: the fraction of the sampled rows' exact k neighbours the graph holds. */
  recall?: number;
}

/** Queries per exact-search call (bounds the candidate buffers). */
const QUERY_BATCH = 1024;

/** The k best of `candidates` for row i (self dropped), re-scored in float64. */
function pickNeighbours(
  rows: readonly Float32Array[],
  i: number,
  candidates: Iterable<number>,
  k: number,
  out: NeighbourGraph,
): void {
  const seen = new Set<number>();
  const scored: { j: number; s: number }[] = [];
  for (const j of candidates) {
    if (j === i || j >= rows.length || seen.has(j)) continue;
    seen.add(j);
    scored.push({ j, s: cosine(rows[i], rows[j]) });
  }
  scored.sort((a, b) => b.s - a.s || a.j - b.j);
  for (let t = 0; t < k; t++) {
    out.index[i * k + t] = t < scored.length ? scored[t].j : -1;
    out.weight[i * k + t] = t < scored.length ? scored[t].s : 0;
  }
}

function flatten(rows: readonly Float32Array[], dim: number): Float32Array {
  const flat = new Float32Array(rows.length * dim);
  for (const [i, r] of rows.entries()) flat.set(r, i * dim);
  return flat;
}

/** Exact candidate lists of rows [from, to): `want` best per row by usearch's brute force. */
function exactCandidates(
  flat: Float32Array,
  dim: number,
  from: number,
  to: number,
  want: number,
): BigUint64Array {
  const queries = flat.slice(from * dim, to * dim);
  const found = usearch.exactSearch(flat, queries, dim, want, usearch.MetricKind.Cos, 0);
  return (found as { keys: BigUint64Array }).keys;
}

/** The k-nearest-neighbour graph of `rows` (all of one dimension), self excluded. */
export function buildNeighbourGraph(
  rows: readonly Float32Array[],
  opts: NeighbourGraphOptions,
): BuiltGraph {
  const n = rows.length;
  const k = opts.k;
  const graph: NeighbourGraph = {
    k,
    index: new Int32Array(n * k).fill(-1),
    weight: new Float64Array(n * k),
  };
  if (n <= 1) return { graph, method: "exact" };
  const dim = rows[0].length;
  const flat = flatten(rows, dim);
  const want = Math.min(n, k + 1 + MARGIN);
  if (n <= (opts.exactLimit ?? 20_000)) {
    for (let from = 0; from < n; from += QUERY_BATCH) {
      const to = Math.min(n, from + QUERY_BATCH);
      const keys = exactCandidates(flat, dim, from, to, want);
      for (let i = from; i < to; i++) {
        const row = keys.subarray((i - from) * want, (i - from + 1) * want);
        pickNeighbours(rows, i, Array.from(row, Number), k, graph);
      }
    }
    return { graph, method: "exact" };
  }
  const index = new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.Cos,
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
    quantization: usearch.ScalarKind.F32,
    multi: false,
  });
  index.add(
    new BigUint64Array(n).map((_, i) => BigInt(i)),
    flat,
    0,
  );
  const found = index.search(flat, want, 0) as { keys: BigUint64Array };
  for (let i = 0; i < n; i++) {
    pickNeighbours(
      rows,
      i,
      Array.from(found.keys.subarray(i * want, (i + 1) * want), Number),
      k,
      graph,
    );
  }
  return {
    graph,
    method: "hnsw",
    recall: sampledRecall(rows, flat, dim, graph, opts.recallSample ?? 200),
  };
}

/** Recall of the graph's rows against exact search, on evenly spaced sample rows. */
function sampledRecall(
  rows: readonly Float32Array[],
  flat: Float32Array,
  dim: number,
  graph: NeighbourGraph,
  sample: number,
): number {
  const n = rows.length;
  const k = graph.k;
  const exact: NeighbourGraph = {
    k,
    index: new Int32Array(n * k).fill(-1),
    weight: new Float64Array(n * k),
  };
  const want = Math.min(n, k + 1 + MARGIN);
  const step = Math.max(1, Math.floor(n / sample));
  let hit = 0;
  let total = 0;
  for (let i = 0; i < n; i += step) {
    const keys = exactCandidates(flat, dim, i, i + 1, want);
    pickNeighbours(rows, i, Array.from(keys, Number), k, exact);
    const got = new Set(graph.index.subarray(i * k, (i + 1) * k));
    for (const j of exact.index.subarray(i * k, (i + 1) * k)) {
      if (j < 0) continue;
      total++;
      if (got.has(j)) hit++;
    }
  }
  return total === 0 ? 1 : hit / total;
}
