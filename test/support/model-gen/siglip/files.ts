/** The JSON side files of a SigLIP / SigLIP 2 model directory (Transformers.js layout). */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SiglipDims, SiglipFamily } from "./dims.js";
import {
  gemmaSpecialTokensMap,
  gemmaTokenizerConfig,
  gemmaTokenizerJson,
} from "./tokenizer-gemma.js";
import {
  siglipSpecialTokensMap,
  siglipTokenizerConfig,
  siglipTokenizerJson,
} from "./tokenizer-unigram.js";

/**
 * config.json as transformers saves a SiglipModel (`save_pretrained` writes only what differs
 * from the config class defaults, so max_position_embeddings 64, hidden_act gelu_pytorch_tanh
 * and layer_norm_eps 1e-6 are absent, as in google/siglip-base-patch16-224 and the SigLIP 2
 * fixed-resolution checkpoints, whose model_type is also "siglip").
 */
export function siglipConfig(d: SiglipDims): object {
  const sizes = (inter: number, heads: number, layers: number) => ({
    hidden_size: d.hidden,
    intermediate_size: inter,
    num_attention_heads: heads,
    num_hidden_layers: layers,
  });
  return {
    architectures: ["SiglipModel"],
    initializer_factor: 1.0,
    model_type: "siglip",
    text_config: {
      ...sizes(d.textIntermediate, d.textHeads, d.textLayers),
      model_type: "siglip_text_model",
      vocab_size: d.vocabSize,
      ...(d.maxPositions === 64 ? {} : { max_position_embeddings: d.maxPositions }),
    },
    torch_dtype: "float32",
    transformers_version: "4.37.0.dev0",
    vision_config: {
      ...sizes(d.visionIntermediate, d.visionHeads, d.visionLayers),
      image_size: d.imageSize,
      model_type: "siglip_vision_model",
      patch_size: d.patchSize,
    },
  };
}

/**
 * preprocessor_config.json as SiglipImageProcessor writes it: squash resize to
 * {height, width} (no crop), rescale 1/255, mean = std = 0.5; resample 3 (bicubic) for SigLIP,
 * 2 (bilinear) for SigLIP 2's fixed-resolution checkpoints.
 */
export function siglipPreprocessorConfig(d: SiglipDims, family: SiglipFamily): object {
  return {
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_processor_type: "SiglipImageProcessor",
    image_std: [0.5, 0.5, 0.5],
    processor_class: "SiglipProcessor",
    resample: family === "siglip" ? 3 : 2,
    rescale_factor: 0.00392156862745098,
    size: { height: d.imageSize, width: d.imageSize },
  };
}

/**
 * JSON as Python's json module writes it: integers stay integers, so a model_max_length of
 * int(1e30) is written out in full rather than as 1e+30.
 */
export function pythonJson(value: object): string {
  return `${JSON.stringify(value, null, 2).replaceAll(": 1e+30", ": 1000000000000000019884624838656")}\n`;
}

/** Writes config.json, preprocessor_config.json and the tokenizer files. */
export async function writeSiglipSideFiles(
  dir: string,
  d: SiglipDims,
  family: SiglipFamily,
  /** SigLIP v1: a tokenizer.json whose normalizer does not lowercase or drop punctuation. */
  plainTokenizer = false,
): Promise<void> {
  const files: [string, object][] = [
    ["config.json", siglipConfig(d)],
    ["preprocessor_config.json", siglipPreprocessorConfig(d, family)],
    ...(family === "siglip"
      ? ([
          ["tokenizer.json", siglipTokenizerJson(d.vocabSize, !plainTokenizer)],
          ["tokenizer_config.json", siglipTokenizerConfig()],
          ["special_tokens_map.json", siglipSpecialTokensMap()],
        ] as [string, object][])
      : ([
          ["tokenizer.json", gemmaTokenizerJson(d.vocabSize)],
          ["tokenizer_config.json", gemmaTokenizerConfig()],
          ["special_tokens_map.json", gemmaSpecialTokensMap()],
        ] as [string, object][])),
  ];
  for (const [name, value] of files) await writeFile(join(dir, name), pythonJson(value));
}
