/** The JSON side files of a Transformers.js (Xenova) CLIP directory, and tokenizer copying. */

import { existsSync } from "node:fs";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ClipDims } from "./dims.js";
import { EOS, generateTokenizerFiles, TOKENIZER_FILES } from "./tokenizer.js";

/** config.json as transformers writes it for CLIPModel (the fields transformers.js reads). */
export function clipConfig(d: ClipDims): object {
  const common = { hidden_act: "quick_gelu", layer_norm_eps: 1e-5, initializer_factor: 1.0 };
  return {
    architectures: ["CLIPModel"],
    model_type: "clip",
    projection_dim: d.projectionDim,
    logit_scale_init_value: 2.6592,
    initializer_factor: 1.0,
    torch_dtype: "float32",
    text_config: {
      model_type: "clip_text_model",
      ...common,
      vocab_size: d.vocabSize,
      max_position_embeddings: d.maxPositions,
      bos_token_id: d.vocabSize - 2,
      // 2 is the legacy value that makes HF pool at argmax(input_ids), as in the OpenAI configs.
      eos_token_id: 2,
      pad_token_id: 1,
      hidden_size: d.textHidden,
      num_attention_heads: d.textHeads,
      num_hidden_layers: d.textLayers,
      intermediate_size: d.textIntermediate,
      projection_dim: d.projectionDim,
    },
    vision_config: {
      model_type: "clip_vision_model",
      ...common,
      num_channels: 3,
      image_size: d.imageSize,
      patch_size: d.patchSize,
      hidden_size: d.visionHidden,
      num_attention_heads: d.visionHeads,
      num_hidden_layers: d.visionLayers,
      intermediate_size: d.visionIntermediate,
      projection_dim: d.projectionDim,
    },
  };
}

/** CLIP's preprocessor_config.json (bicubic shortest-edge resize, center crop, CLIP mean/std). */
export function preprocessorConfig(d: ClipDims): object {
  return {
    crop_size: { height: d.imageSize, width: d.imageSize },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    feature_extractor_type: "CLIPFeatureExtractor",
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_processor_type: "CLIPFeatureExtractor",
    image_std: [0.26862954, 0.26130258, 0.27577711],
    resample: 3,
    rescale_factor: 0.00392156862745098,
    size: { shortest_edge: d.imageSize },
  };
}

export async function writeJson(path: string, value: object): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Vocabulary size of a tokenizer.json (largest id + 1) and the id of `<|endoftext|>`. */
export function tokenizerVocab(tokenizerJson: string): { size: number; eosId: number | undefined } {
  const t = JSON.parse(tokenizerJson) as {
    model: { vocab: Record<string, number> };
    added_tokens?: { id: number; content: string }[];
  };
  let max = -1;
  for (const id of Object.values(t.model.vocab)) max = Math.max(max, id);
  for (const a of t.added_tokens ?? []) max = Math.max(max, a.id);
  const eosId = t.added_tokens?.find((a) => a.content === EOS)?.id ?? t.model.vocab[EOS];
  return { size: max + 1, eosId };
}

/** Writes tokenizer files: copied from `from` (a real model dir) or generated. */
export async function writeTokenizer(outDir: string, d: ClipDims, from?: string): Promise<void> {
  if (from === undefined) {
    for (const [name, text] of generateTokenizerFiles(d.vocabSize, d.maxPositions)) {
      await writeFile(join(outDir, name), text);
    }
    return;
  }
  const src = join(from, "tokenizer.json");
  if (!existsSync(src)) throw new Error(`tokenizerFrom: ${src} not found`);
  const { size, eosId } = tokenizerVocab(await readFile(src, "utf8"));
  if (size !== d.vocabSize) {
    throw new Error(`tokenizerFrom has ${size} tokens but dims.vocabSize is ${d.vocabSize}`);
  }
  if (eosId !== size - 1) {
    throw new Error(`tokenizerFrom: ${EOS} must be the largest id for argmax pooling`);
  }
  for (const name of TOKENIZER_FILES) {
    if (existsSync(join(from, name))) await copyFile(join(from, name), join(outDir, name));
  }
}
