/**
 * The adapter file: a .safetensors file that Python's `safetensors` reads
 * (`safe_open(path, "pt")`), holding
 *
 *   class_embeddings  F32 [C, D]   W, the normalized class text embeddings
 *   cache_keys        F32 [N, D]   Tip-Adapter / TIP-X: one key per support image
 *   cache_labels      I64 [N]      their class indices (one-hot: `F.one_hot(labels, C)`)
 *   gda_weights       F64 [C, D]   GDA: w_k = P·μ_k
 *   gda_bias          F64 [C]      GDA: b_k
 *
 * and in `__metadata__` (strings): format, format_version, method, alpha, beta (empty when
 * unused), gamma (empty when unused), classes (a JSON list), logit_scale, the TIP-X temperature
 * and rescaling ranges, the model identity (model, model_dtype, model_fingerprint,
 * embedding_dim) and how it was made (shots, seed, augment_views, …, when known).
 */
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../util/atomic.js";
import { UsageError } from "../util/errors.js";
import { decodeSafetensors, encodeSafetensors, type Tensor } from "../util/safetensors.js";
import { type Adapter, isAdapterMethod } from "./adapter.js";
import type { ModelIdentity } from "./identity.js";

export const ADAPTER_FORMAT = "zeroclip-adapter";
export const ADAPTER_FORMAT_VERSION = "1";

/** An adapter as stored: the adapter, its model identity and free-form provenance strings. */
export interface AdapterFile {
  adapter: Adapter;
  model?: ModelIdentity;
  /** Extra metadata (how it was made): shots, seed, augment_views, prompts, val_top1, … */
  info: Record<string, string>;
}

/** Keys of `__metadata__` that `info` cannot override. */
const RESERVED = new Set([
  "format",
  "format_version",
  "method",
  "alpha",
  "beta",
  "gamma",
  "classes",
  "logit_scale",
  "temperature",
  "kl_min",
  "kl_max",
  "affinity_min",
  "affinity_max",
  "model",
  "model_dtype",
  "model_fingerprint",
  "embedding_dim",
]);

function matrix(rows: readonly ArrayLike<number>[], dim: number, f64 = false): Tensor {
  const data = f64 ? new Float64Array(rows.length * dim) : new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new RangeError(`row ${i} has ${r.length} values, not ${dim}`);
    data.set(r, i * dim);
  });
  return { dtype: f64 ? "F64" : "F32", shape: [rows.length, dim], data };
}

/** The bytes of an adapter file. */
export function encodeAdapter(file: AdapterFile): Uint8Array {
  const { adapter, model } = file;
  const D = adapter.classEmbeddings[0]?.length ?? 0;
  const tensors: Record<string, Tensor> = {
    class_embeddings: matrix(adapter.classEmbeddings, D),
  };
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.info)) if (!RESERVED.has(k)) meta[k] = v;
  Object.assign(meta, {
    format: ADAPTER_FORMAT,
    format_version: ADAPTER_FORMAT_VERSION,
    method: adapter.method,
    alpha: String(adapter.alpha),
    beta: adapter.method === "gda" ? "" : String(adapter.beta),
    gamma: adapter.method === "tip-x" ? String(adapter.gamma) : "",
    classes: JSON.stringify(adapter.classes),
    logit_scale: String(adapter.logitScale),
  });
  if (adapter.method === "gda") {
    tensors.gda_weights = matrix(adapter.weights, D, true);
    tensors.gda_bias = { dtype: "F64", shape: [adapter.bias.length], data: adapter.bias.slice() };
  } else {
    tensors.cache_keys = matrix(adapter.keys, D);
    tensors.cache_labels = {
      dtype: "I64",
      shape: [adapter.labels.length],
      data: BigInt64Array.from(adapter.labels, (l) => BigInt(l)),
    };
  }
  if (adapter.method === "tip-x") {
    Object.assign(meta, {
      temperature: String(adapter.temperature),
      kl_min: String(adapter.klRange[0]),
      kl_max: String(adapter.klRange[1]),
      affinity_min: String(adapter.affinityRange[0]),
      affinity_max: String(adapter.affinityRange[1]),
    });
  }
  if (model) {
    Object.assign(meta, {
      model: model.model,
      model_dtype: model.dtype,
      model_fingerprint: model.fingerprint,
      embedding_dim: String(model.dim),
    });
  }
  return encodeSafetensors(tensors, meta);
}

function rowsOf(t: Tensor, name: string, where: string): Float32Array[] | Float64Array[] {
  if (t.shape.length !== 2 || (t.dtype !== "F32" && t.dtype !== "F64")) {
    throw new UsageError(`${where}: ${name} must be a float matrix`);
  }
  const [n, d] = t.shape;
  const data = t.data as Float32Array | Float64Array;
  return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d)) as
    | Float32Array[]
    | Float64Array[];
}

/** Parse an adapter file's bytes (`where` names it in errors). */
export function decodeAdapter(bytes: Uint8Array, where = "adapter file"): AdapterFile {
  const { tensors, metadata: m } = decodeSafetensors(bytes, where);
  const bad = (why: string) => new UsageError(`${where} is not a zeroclip adapter: ${why}`);
  if (m.format !== ADAPTER_FORMAT) throw bad(`its metadata has no format "${ADAPTER_FORMAT}"`);
  if (m.format_version !== ADAPTER_FORMAT_VERSION) {
    throw bad(`format version ${JSON.stringify(m.format_version)} (this zeroclip reads 1)`);
  }
  const method = m.method ?? "";
  if (!isAdapterMethod(method)) throw bad(`unknown method ${JSON.stringify(method)}`);
  const num = (key: string): number => {
    const v = Number(m[key]);
    if (m[key] === undefined || m[key] === "" || !Number.isFinite(v)) {
      throw bad(`metadata ${key} is not a number`);
    }
    return v;
  };
  let classes: unknown;
  try {
    classes = JSON.parse(m.classes ?? "");
  } catch {
    throw bad("metadata classes is not a JSON list");
  }
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === "string")) {
    throw bad("metadata classes is not a JSON list of names");
  }
  const need = (name: string) => {
    const t = tensors[name];
    if (!t) throw bad(`it has no ${name} tensor`);
    return t;
  };
  const W = rowsOf(need("class_embeddings"), "class_embeddings", where);
  if (W.length !== classes.length)
    throw bad(`${classes.length} classes but ${W.length} embeddings`);
  const D = W[0]?.length ?? 0;
  const base = {
    classes: classes as string[],
    classEmbeddings: W.map((r) => Float32Array.from(r)),
    logitScale: num("logit_scale"),
    alpha: num("alpha"),
  };
  let adapter: Adapter;
  if (method === "gda") {
    const weights = rowsOf(need("gda_weights"), "gda_weights", where).map((r) =>
      Float64Array.from(r),
    );
    const biasT = need("gda_bias");
    if (biasT.dtype !== "F64" && biasT.dtype !== "F32") throw bad("gda_bias must be float");
    const bias = Float64Array.from(biasT.data as Float64Array);
    if (weights.length !== classes.length || bias.length !== classes.length) {
      throw bad("gda_weights / gda_bias do not have one row per class");
    }
    if (weights.some((w) => w.length !== D)) throw bad("gda_weights rows are not D wide");
    adapter = { method, ...base, weights, bias };
  } else {
    const keys = rowsOf(need("cache_keys"), "cache_keys", where).map((r) => Float32Array.from(r));
    const labelsT = need("cache_labels");
    if (labelsT.dtype !== "I64" && labelsT.dtype !== "I32")
      throw bad("cache_labels must be integers");
    const labels: number[] = [];
    for (const v of labelsT.data as BigInt64Array | Int32Array) labels.push(Number(v));
    if (labels.length !== keys.length) throw bad("cache_keys and cache_labels differ in length");
    if (labels.some((l) => !(l >= 0 && l < classes.length)))
      throw bad("a cache label is out of range");
    if (keys.some((k) => k.length !== D)) throw bad("cache_keys rows are not D wide");
    adapter =
      method === "tip-adapter"
        ? { method, ...base, beta: num("beta"), keys, labels }
        : {
            method,
            ...base,
            beta: num("beta"),
            gamma: num("gamma"),
            temperature: num("temperature"),
            klRange: [num("kl_min"), num("kl_max")],
            affinityRange: [num("affinity_min"), num("affinity_max")],
            keys,
            labels,
          };
  }
  const model: ModelIdentity | undefined =
    m.model_fingerprint !== undefined
      ? {
          model: m.model ?? "",
          dtype: m.model_dtype ?? "",
          fingerprint: m.model_fingerprint,
          dim: num("embedding_dim"),
        }
      : undefined;
  const info: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (!RESERVED.has(k)) info[k] = v;
  return { adapter, model, info };
}

/** Write an adapter file atomically. */
export async function writeAdapterFile(path: string, file: AdapterFile): Promise<void> {
  await writeFileAtomic(path, encodeAdapter(file));
}

/** Read an adapter file (UsageError when it cannot be read or is not an adapter). */
export async function readAdapterFile(path: string): Promise<AdapterFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read adapter ${path}: ${code === "ENOENT" ? "not found" : (err as Error).message}`,
    );
  }
  return decodeAdapter(bytes, path);
}
