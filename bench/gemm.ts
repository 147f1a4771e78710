/**
 * The machine's fp32 GEMM rate through the same onnxruntime the benchmark uses: a one-node ONNX
 * model (C = A·B, n × n float32, written with the project's ONNX writer) timed over a few runs.
 * Printed beside the throughput figures, so a reader can tell a slow machine from a slow
 * pipeline: the vision tower is almost all MatMul, so its images/s follows this rate.
 */
// Telemetry off (src/model/ort.ts) before onnxruntime-node sets up its environment.
import "../src/model/ort.js";
import ort from "onnxruntime-node";
import { DataType, modelMsg } from "../test/support/model-gen/onnx.js";
import { toBytes } from "../test/support/model-gen/proto.js";

export interface GemmResult {
  n: number;
  threads: number;
  /** Median seconds of one n × n × n product. */
  seconds: number;
  /** 2·n³ / seconds, in GFLOP/s. */
  gflops: number;
}

/** The ONNX bytes of C = MatMul(A, B) for n × n float32 inputs. */
export function matmulModel(n: number): Uint8Array {
  return toBytes(
    modelMsg(
      {
        name: "gemm",
        nodes: [
          { opType: "MatMul", name: "/MatMul", inputs: ["A", "B"], outputs: ["C"], attrs: {} },
        ],
        initializers: [],
        inputs: [
          { name: "A", elemType: DataType.FLOAT, shape: [n, n] },
          { name: "B", elemType: DataType.FLOAT, shape: [n, n] },
        ],
        outputs: [{ name: "C", elemType: DataType.FLOAT, shape: [n, n] }],
      },
      { producerName: "zeroclip-bench", producerVersion: "1" },
    ),
  );
}

/** Time `runs` products after a warm-up one (median), with `threads` intra-op threads. */
export async function measureGemm(n = 2048, threads = 2, runs = 7): Promise<GemmResult> {
  const session = await ort.InferenceSession.create(matmulModel(n), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const a = new Float32Array(n * n);
  const b = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) {
    a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    b[i] = ((i * 104729) % 1000) / 1000 - 0.5;
  }
  const feeds = {
    A: new ort.Tensor("float32", a, [n, n]),
    B: new ort.Tensor("float32", b, [n, n]),
  };
  await session.run(feeds);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  await session.release();
  times.sort((x, y) => x - y);
  const seconds = times[Math.floor(times.length / 2)];
  return { n, threads, seconds, gflops: (2 * n ** 3) / seconds / 1e9 };
}

// `node dist/bench/gemm.js [n] [threads]` prints one JSON GemmResult line (run by bench/run.ts in
// its own process, like every measurement).
if (process.argv[1]?.endsWith("gemm.js")) {
  const [n, threads] = process.argv.slice(2).map(Number);
  measureGemm(n || 2048, threads || 2)
    .then((r) => {
      process.stdout.write(JSON.stringify(r) + "\n");
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
