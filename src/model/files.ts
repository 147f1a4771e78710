/** Model precisions and the ONNX files that hold them (Transformers.js layout). */
export type Dtype = "fp32" | "q8" | "fp16";

export const DTYPES: readonly Dtype[] = ["fp32", "q8", "fp16"];

const SUFFIX: Record<Dtype, string> = { fp32: "", q8: "_quantized", fp16: "_fp16" };

/** The two ONNX files of a dtype, relative to the model directory. */
export function onnxFiles(dtype: Dtype): { text: string; vision: string } {
  const s = SUFFIX[dtype];
  return { text: `onnx/text_model${s}.onnx`, vision: `onnx/vision_model${s}.onnx` };
}

/** The dtypes whose two files are both in `paths` (paths relative to the model directory). */
export function dtypesPresent(paths: Iterable<string>): Dtype[] {
  const set = new Set(paths);
  return DTYPES.filter((d) => {
    const f = onnxFiles(d);
    return set.has(f.text) && set.has(f.vision);
  });
}

/** Non-ONNX files a model directory needs (optional ones are fetched when present). */
export const CONFIG_FILES = {
  required: ["config.json", "preprocessor_config.json", "tokenizer.json"],
  optional: ["tokenizer_config.json", "special_tokens_map.json"],
} as const;

export function isDtype(s: string): s is Dtype {
  return (DTYPES as readonly string[]).includes(s);
}
