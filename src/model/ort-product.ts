/**
 * TransCLIP's matrix products (src/transductive/products.ts) on onnxruntime: one float64 Gemm
 * node per product kind (A·Bᵀ and Aᵀ·B), and float32 A·Bᵀ + TopK for the neighbour graph's
 * candidates (src/transductive/knn-scores.ts), built in memory with the project's ONNX writer, run
 * on all of onnxruntime's intra-op threads and written straight into the solver's buffers (a
 * pre-allocated output). float64 keeps the solver's results equal to the plain JavaScript
 * kernel to rounding; measured on the 2-core machine it is some 20–40 times faster
 * (docs/transductive.md, "Scale").
 */
import type { CandidateKernel, CandidateRequest } from "../transductive/knn-scores.js";
import type { MatrixProduct, ProductRequest } from "../transductive/products.js";
import { DataType, modelMsg } from "./onnx-writer.js";
import { loadOrt, spinningOptions } from "./ort.js";
import { toBytes } from "./protobuf.js";
import { defaultThreads } from "./session.js";

/** The ONNX bytes of Y = Gemm(A, B) in float64 with the given transposes, dynamic shapes. */
export function gemmModel(transA: boolean, transB: boolean): Uint8Array {
  const elemType = DataType.DOUBLE;
  return toBytes(
    modelMsg(
      {
        name: "product",
        nodes: [
          {
            opType: "Gemm",
            name: "/Gemm",
            inputs: ["A", "B"],
            outputs: ["Y"],
            attrs: { transA: { i: transA ? 1 : 0 }, transB: { i: transB ? 1 : 0 } },
          },
        ],
        initializers: [],
        inputs: [
          { name: "A", elemType, shape: ["a0", "a1"] },
          { name: "B", elemType, shape: ["b0", "b1"] },
        ],
        outputs: [{ name: "Y", elemType, shape: ["y0", "y1"] }],
      },
      { producerName: "zeroclip", producerVersion: "1" },
    ),
  );
}

/** The ONNX bytes of I = TopK(Gemm(A, B, transB), K) indices, float32 scores. */
export function candidateModel(): Uint8Array {
  return toBytes(
    modelMsg(
      {
        name: "candidates",
        nodes: [
          {
            opType: "Gemm",
            name: "/Gemm",
            inputs: ["A", "B"],
            outputs: ["S"],
            attrs: { transB: { i: 1 } },
          },
          { opType: "TopK", name: "/TopK", inputs: ["S", "K"], outputs: ["V", "I"], attrs: {} },
        ],
        initializers: [],
        inputs: [
          { name: "A", elemType: DataType.FLOAT, shape: ["m", "d"] },
          { name: "B", elemType: DataType.FLOAT, shape: ["n", "d"] },
          { name: "K", elemType: DataType.INT64, shape: [1] },
        ],
        outputs: [
          { name: "V", elemType: DataType.FLOAT, shape: ["m", "k"] },
          { name: "I", elemType: DataType.INT64, shape: ["m", "k"] },
        ],
      },
      { producerName: "zeroclip", producerVersion: "1" },
    ),
  );
}

export interface OrtProduct {
  /** Fulfils the solver's product requests (see `transductiveZeroShotAsync`). */
  product: MatrixProduct;
  /**
   * The neighbour graph's candidates: float32 A · Bᵀ and TopK in one graph
   * (`neighbourGraphByProduct`, which re-scores the candidates in float64).
   */
  candidates: CandidateKernel;
  /** Releases the sessions. */
  release(): Promise<void>;
}

/** The onnxruntime kernel; `threads`: intra-op threads (default `defaultThreads()`: `ZEROCLIP_THREADS`, else one per core). */
export async function createOrtProduct(options: { threads?: number } = {}): Promise<OrtProduct> {
  const ort = await loadOrt();
  // No memory arena: its blocks (a score block is 100 MB at 50,000 images) would stay
  // allocated beside the solver's N × K buffers; these few large runs gain nothing from it.
  const sessionOptions = {
    interOpNumThreads: 1,
    enableCpuMemArena: false,
    ...spinningOptions(),
    intraOpNumThreads: options.threads ?? defaultThreads(),
  };
  const [abt, atb, abt32] = await Promise.all([
    ort.InferenceSession.create(gemmModel(false, true), sessionOptions),
    ort.InferenceSession.create(gemmModel(true, false), sessionOptions),
    ort.InferenceSession.create(candidateModel(), sessionOptions),
  ]);
  // onnxruntime-node refuses views of a SharedArrayBuffer: those are copied through scratch.
  const scratch = { a: new Float64Array(0), b: new Float64Array(0), out: new Float64Array(0) };
  const plain = (v: Float64Array, key: keyof typeof scratch, copy: boolean): Float64Array => {
    if (!(v.buffer instanceof SharedArrayBuffer)) return v;
    if (scratch[key].length < v.length) scratch[key] = new Float64Array(v.length);
    const s = scratch[key].subarray(0, v.length);
    if (copy) s.set(v);
    return s;
  };
  const product = async (req: ProductRequest): Promise<void> => {
    const { m, n, k } = req;
    const ab = req.kind === "ABt";
    const a = plain(req.a.subarray(0, m * k), "a", true);
    const b = plain(req.b.subarray(0, n * k), "b", true);
    const out = plain(req.out.subarray(0, m * n), "out", false);
    const feeds = {
      A: new ort.Tensor("float64", a, ab ? [m, k] : [k, m]),
      B: new ort.Tensor("float64", b, ab ? [n, k] : [k, n]),
    };
    await (ab ? abt : atb).run(feeds, { Y: new ort.Tensor("float64", out, [m, n]) });
    if (out.buffer !== req.out.buffer) req.out.set(out);
  };
  const candidates = async (req: CandidateRequest): Promise<void> => {
    const { a, b, m, n, k, want } = req;
    const out = await abt32.run({
      A: new ort.Tensor("float32", a.subarray(0, m * k), [m, k]),
      B: new ort.Tensor("float32", b.subarray(0, n * k), [n, k]),
      K: new ort.Tensor("int64", BigInt64Array.of(BigInt(want)), [1]),
    });
    const found = out.I.data as BigInt64Array;
    for (let e = 0; e < m * want; e++) req.candidates[e] = Number(found[e]);
  };
  return {
    product,
    candidates,
    release: async () => {
      await Promise.all([abt.release(), atb.release(), abt32.release()]);
    },
  };
}
