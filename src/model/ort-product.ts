/**
 * TransCLIP's matrix products (src/transductive/products.ts) on onnxruntime: one float64 Gemm
 * node per product kind (A·Bᵀ and Aᵀ·B), and a float32 A·Bᵀ for the neighbour graph's
 * candidate scores (src/transductive/knn-scores.ts), built in memory with the project's ONNX writer, run
 * on all of onnxruntime's intra-op threads and written straight into the solver's buffers (a
 * pre-allocated output). float64 keeps the solver's results equal to the plain JavaScript
 * kernel to rounding; measured on the 2-core machine it is some 20–40 times faster
 * (docs/transductive.md, "Scale").
 */
import type { Float32Product, Float32ProductRequest } from "../transductive/knn-scores.js";
import type { MatrixProduct, ProductRequest } from "../transductive/products.js";
import { DataType, modelMsg } from "./onnx-writer.js";
import { loadOrt } from "./ort.js";
import { toBytes } from "./protobuf.js";

/** The ONNX bytes of Y = Gemm(A, B) with the given transposes (float64 unless `float32`). */
export function gemmModel(transA: boolean, transB: boolean, float32 = false): Uint8Array {
  const elemType = float32 ? DataType.FLOAT : DataType.DOUBLE;
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

export interface OrtProduct {
  /** Fulfils the solver's product requests (see `transductiveZeroShotAsync`). */
  product: MatrixProduct;
  /**
   * float32 A · Bᵀ, for the candidate scores of the exact neighbour graph
   * (`neighbourGraphByProduct`, which re-scores its candidates in float64).
   */
  scores32: Float32Product;
  /** Releases the sessions. */
  release(): Promise<void>;
}

/** The onnxruntime kernel; `threads`: intra-op threads (default: onnxruntime's, one per core). */
export async function createOrtProduct(options: { threads?: number } = {}): Promise<OrtProduct> {
  const ort = await loadOrt();
  const sessionOptions = {
    interOpNumThreads: 1,
    ...(options.threads !== undefined && { intraOpNumThreads: options.threads }),
  };
  const [abt, atb, abt32] = await Promise.all([
    ort.InferenceSession.create(gemmModel(false, true), sessionOptions),
    ort.InferenceSession.create(gemmModel(true, false), sessionOptions),
    ort.InferenceSession.create(gemmModel(false, true, true), sessionOptions),
  ]);
  const product = async (req: ProductRequest): Promise<void> => {
    const { a, b, m, n, k, out } = req;
    const ab = req.kind === "ABt";
    const feeds = {
      A: new ort.Tensor("float64", a.subarray(0, m * k), ab ? [m, k] : [k, m]),
      B: new ort.Tensor("float64", b.subarray(0, n * k), ab ? [n, k] : [k, n]),
    };
    const fetches = { Y: new ort.Tensor("float64", out.subarray(0, m * n), [m, n]) };
    await (ab ? abt : atb).run(feeds, fetches);
  };
  const scores32 = async (req: Float32ProductRequest): Promise<void> => {
    const { a, b, m, n, k, out } = req;
    const feeds = {
      A: new ort.Tensor("float32", a.subarray(0, m * k), [m, k]),
      B: new ort.Tensor("float32", b.subarray(0, n * k), [n, k]),
    };
    await abt32.run(feeds, { Y: new ort.Tensor("float32", out.subarray(0, m * n), [m, n]) });
  };
  return {
    product,
    scores32,
    release: async () => {
      await Promise.all([abt.release(), atb.release(), abt32.release()]);
    },
  };
}
