import { availableParallelism } from "node:os";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { ModelError, UsageError } from "../util/errors.js";
import { floatsToHalf, halfToFloats } from "../util/float16.js";
import { loadOrt, type Ort, spinningOptions } from "./ort.js";

/** onnxruntime settings shared by both towers. */
export interface SessionOptions {
  /** Intra-op threads (default: `ZEROCLIP_THREADS`, else all cores the process may use). */
  threads?: number;
  /**
   * Execution provider: "cpu" (default) or "cuda" (needs onnxruntime-node's CUDA libraries,
   * see docs/models.md; unsupported ops fall back to the CPU).
   */
  device?: Device;
}

export type Device = "cpu" | "cuda";

export const DEVICES: readonly Device[] = ["cpu", "cuda"];

/**
 * onnxruntime's intra-op threads when a caller gives none: `ZEROCLIP_THREADS` (a positive
 * integer; for several processes sharing the cores, as `scripts/test.mjs` runs its files), else
 * every core the process may use.
 */
export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.ZEROCLIP_THREADS;
  if (given === undefined || given === "") return Math.max(1, availableParallelism());
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `ZEROCLIP_THREADS must be a positive integer, not ${JSON.stringify(given)}`,
    );
  }
  return n;
}

/**
 * One ONNX tower (text or vision): feeds only the inputs the graph declares, converts to the
 * declared element types, and returns the named output as float32 rows.
 */
export class OnnxTower {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly file: string,
    private readonly outputName: string,
    private readonly inputTypes: ReadonlyMap<string, string>,
  ) {}

  /** `preferredOutput`: the output's name, or names in order of preference (first present). */
  static async open(
    file: string,
    preferredOutput: string | readonly string[],
    opts: SessionOptions,
  ): Promise<OnnxTower> {
    const ort = await loadOrt();
    let session: InferenceSession;
    // A missing CUDA provider is reported as one ModelError line below; keep onnxruntime's own
    // multi-line log of it off the terminal (takes effect before the first session only).
    if (opts.device === "cuda") ort.env.logLevel = "fatal";
    try {
      session = await ort.InferenceSession.create(file, {
        executionProviders: opts.device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
        graphOptimizationLevel: "all",
        intraOpNumThreads: opts.threads ?? defaultThreads(),
        interOpNumThreads: 1,
        executionMode: "sequential",
        // Errors reach the user as one ModelError line; onnxruntime's own log stays quiet.
        logSeverityLevel: 4,
        ...spinningOptions(),
      });
    } catch (err) {
      const hint =
        opts.device === "cuda"
          ? " (is onnxruntime-node's CUDA provider installed? see docs/models.md)"
          : "";
      throw new ModelError(`cannot load ${file}: ${(err as Error).message}${hint}`);
    }
    const wanted = typeof preferredOutput === "string" ? [preferredOutput] : preferredOutput;
    const outputName = wanted.find((n) => session.outputNames.includes(n));
    if (!outputName) {
      throw new ModelError(
        `${file} has no output "${wanted.join('" or "')}" (outputs: ${session.outputNames.join(", ")})`,
      );
    }
    const inputTypes = new Map<string, string>();
    for (const meta of session.inputMetadata) {
      inputTypes.set(meta.name, meta.isTensor ? meta.type : "unknown");
    }
    return new OnnxTower(ort, session, file, outputName, inputTypes);
  }

  /** Names of the graph inputs. */
  get inputNames(): readonly string[] {
    return [...this.inputTypes.keys()];
  }

  hasInput(name: string): boolean {
    return this.inputTypes.has(name);
  }

  /**
   * Run with the given inputs (only those the graph declares are fed; a declared input missing
   * here is a model error). Integer inputs are given as BigInt64Array; float inputs as
   * Float32Array. Returns the output rows flattened, and the row width.
   */
  async run(
    inputs: Record<string, { data: BigInt64Array | Float32Array; dims: number[] }>,
  ): Promise<{ data: Float32Array; width: number }> {
    const feeds: Record<string, Tensor> = {};
    for (const [name, type] of this.inputTypes) {
      const input = inputs[name];
      if (!input)
        throw new ModelError(`${this.file} needs an input "${name}" zeroclip cannot give`);
      feeds[name] = toTensor(this.ort, input.data, type, input.dims);
    }
    const result = await this.session.run(feeds, [this.outputName]);
    const out = result[this.outputName];
    const dims = out.dims;
    const width = dims[dims.length - 1];
    let data: Float32Array;
    if (out.type === "float32") data = out.data as Float32Array;
    else if (out.type === "float16") data = halfToFloats(out.data as unknown as Uint16Array);
    else throw new ModelError(`${this.file}: unsupported output type ${out.type}`);
    return { data, width };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function toTensor(
  ort: Ort,
  data: BigInt64Array | Float32Array,
  type: string,
  dims: number[],
): Tensor {
  switch (type) {
    case "int64":
      return new ort.Tensor("int64", data as BigInt64Array, dims);
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(data as BigInt64Array, Number), dims);
    case "float32":
      return new ort.Tensor("float32", data as Float32Array, dims);
    case "float16":
      return new ort.Tensor("float16", floatsToHalf(data as Float32Array), dims);
    default:
      throw new ModelError(`unsupported model input type ${type}`);
  }
}
