/**
 * JSON Schemas of `POST /v1/classify`: the zeroclip shape and the Hugging Face task shape (the
 * route derives its body types from them with `FromSchema`, so a schema and its type cannot
 * drift apart).
 */
import { AGGREGATES } from "../../classify/class-embeddings.js";
import { ERROR_CODE_SCHEMA } from "../errors.js";

/** The Hugging Face zero-shot-image-classification pipeline's default template. */
export const HF_DEFAULT_TEMPLATE = "This is a photo of {}.";

export interface ClassifyLimits {
  maxImages: number;
  maxLabels: number;
  maxTemplates: number;
  maxDescriptionsPerLabel: number;
  /** Characters of a label, template or description. */
  maxTextLength: number;
  /** False when the server's classes are fixed (labels may then be left out). */
  needsLabels: boolean;
}

const PREDICTION = {
  type: "object",
  properties: {
    label: { type: "string" },
    score: { type: "number" },
    explanation: {
      type: "array",
      description: "with explain: the label's texts closest to the image, with their cosines",
      items: {
        type: "object",
        properties: { text: { type: "string" }, cosine: { type: "number" } },
        required: ["text", "cosine"],
      },
    },
  },
  required: ["label", "score"],
} as const;

const labelList = (l: ClassifyLimits, description: string) =>
  ({
    type: "array",
    minItems: 1,
    maxItems: l.maxLabels,
    items: { type: "string", minLength: 1, maxLength: l.maxTextLength },
    description,
  }) as const;

/** `{"images": [...], "labels": [...], ...}`. */
export function nativeClassifySchema(l: ClassifyLimits) {
  return {
    type: "object",
    additionalProperties: false,
    // Typed as the looser of the two: labels may be absent when the server's classes are fixed.
    required: (l.needsLabels ? ["images", "labels"] : ["images"]) as readonly ["images"],
    properties: {
      images: {
        type: "array",
        minItems: 1,
        maxItems: l.maxImages,
        items: { type: "string", minLength: 1 },
        description: "each an http(s) URL, a data: URI or base64 image bytes",
      },
      labels: labelList(l, "class names"),
      templates: {
        type: "array",
        minItems: 1,
        maxItems: l.maxTemplates,
        items: { type: "string", maxLength: l.maxTextLength },
        description: 'prompt templates with {} for the class (default ["a photo of a {}."])',
      },
      descriptions: {
        type: "object",
        maxProperties: l.maxLabels,
        additionalProperties: {
          type: "array",
          maxItems: l.maxDescriptionsPerLabel,
          items: { type: "string", maxLength: l.maxTextLength },
        },
        description: 'CuPL descriptions: {"label": ["sentence", ...]}',
      },
      allow_missing: {
        type: "boolean",
        description: "with descriptions: labels without any fall back to the templates",
      },
      aggregate: { type: "string", enum: [...AGGREGATES] },
      top_k: { type: "integer", minimum: 1 },
      explain: {
        type: "integer",
        minimum: 1,
        maximum: 20,
        description: "add to each label its n texts closest to the image, with cosines",
      },
      include_texts: {
        type: "boolean",
        description: "also return the texts each class embedding was built from",
      },
    },
  } as const;
}

/** `{"inputs": "<image>", "parameters": {"candidate_labels": [...], ...}}`. */
export function hfClassifySchema(l: ClassifyLimits) {
  return {
    type: "object",
    additionalProperties: false,
    required: (l.needsLabels ? ["inputs", "parameters"] : ["inputs"]) as readonly ["inputs"],
    properties: {
      inputs: {
        type: "string",
        minLength: 1,
        description: "one image: an http(s) URL, a data: URI or base64",
      },
      parameters: {
        type: "object",
        additionalProperties: false,
        required: (l.needsLabels ? ["candidate_labels"] : []) as readonly [],
        properties: {
          candidate_labels: labelList(l, "class names"),
          hypothesis_template: {
            type: "string",
            maxLength: l.maxTextLength,
            description: `default "${HF_DEFAULT_TEMPLATE}", as the Hugging Face pipeline`,
          },
          top_k: { type: "integer", minimum: 1 },
        },
      },
    },
  } as const;
}

/** The body: the Hugging Face shape when it has `inputs`, else the zeroclip shape. */
export function classifyBodySchema(l: ClassifyLimits) {
  return {
    type: "object",
    if: { required: ["inputs"] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else (an object, not a thenable)
    then: hfClassifySchema(l),
    else: nativeClassifySchema(l),
  } as const;
}

export const NATIVE_RESPONSE = {
  type: "object",
  properties: {
    results: {
      type: "array",
      description: "one entry per image, in request order",
      items: {
        type: "object",
        properties: {
          predictions: { type: "array", items: PREDICTION },
          error: { type: "string", description: "why this image has no predictions" },
          code: ERROR_CODE_SCHEMA,
        },
      },
    },
    classes: {
      type: "array",
      description: "with include_texts: each class and the texts behind its embedding",
      items: {
        type: "object",
        properties: {
          label: { type: "string" },
          texts: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
  required: ["results"],
} as const;

export const HF_RESPONSE = { type: "array", items: PREDICTION } as const;
