import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedPath } from "./paths.js";

/** ../shared/models/tiny-clip/reference.json: PyTorch (HF architecture) + PIL reference values. */
export interface Reference {
  logit_scale: number;
  texts: { text: string; input_ids: number[]; text_embeds: number[]; pooler_output: number[] }[];
  images: {
    file: string;
    image_embeds: number[];
    pixel_mean: number;
    pixel_std: number;
    pixel_values_file?: string;
  }[];
}

/** The shared tiny-clip model directory, or undefined when ../shared is absent. */
export const tinyClipDir: string | undefined = sharedPath("models", "tiny-clip");

export function loadReference(): Reference | undefined {
  if (!tinyClipDir) return undefined;
  return JSON.parse(readFileSync(join(tinyClipDir, "reference.json"), "utf8"));
}

export const skipNoShared = tinyClipDir ? false : "../shared/models/tiny-clip is absent";
