/**
 * `POST /v1/embeddings`, OpenAI-compatible: the official `openai` client works unchanged,
 * including its default `encoding_format: "base64"` (little-endian float32 bytes, as OpenAI
 * sends). Extension: `"modality": "image"` makes `input` images. In a list, a bad image is an
 * entry with an empty embedding and an `error`; a single bad image is the request's 422.
 */
import type { FastifyPluginAsync } from "fastify";
import type { FromSchema } from "json-schema-to-ts";
import { embedImageInputs, embedTextInputs } from "../../app/embed.js";
import { checkTextInputs } from "../budget.js";
import type { ServeContext } from "../context.js";
import { raceSignal } from "../deadline.js";
import { badRequest, ERROR_CODE_SCHEMA, imageError, limitExceeded } from "../errors.js";
import { type ImageOutcome, requestImageEmbedder } from "../images.js";
import type { ServeSettings } from "../settings.js";

/** The body's JSON Schema (limits from the settings); `EmbeddingsBody` is derived from it. */
export function embeddingsBodySchema(s: Pick<ServeSettings, "maxTextsPerRequest">) {
  return {
    type: "object",
    required: ["input"],
    properties: {
      input: {
        anyOf: [
          { type: "string" },
          {
            type: "array",
            minItems: 1,
            maxItems: s.maxTextsPerRequest,
            items: { type: "string" },
          },
        ],
        description: "a text or image, or a list of them (token-id lists are not supported)",
      },
      model: {
        type: "string",
        description: "accepted and ignored: the server has one model",
      },
      encoding_format: { type: "string", enum: ["float", "base64"] },
      modality: { type: "string", enum: ["text", "image"] },
      dimensions: { type: "integer", minimum: 1 },
      user: { type: "string" },
    },
  } as const;
}

type EmbeddingsBody = FromSchema<ReturnType<typeof embeddingsBodySchema>>;

/** Float32 values as base64 of their little-endian bytes (whatever this machine's order). */
export function float32ToBase64(v: Float32Array): string {
  const buf = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i], i * 4);
  return buf.toString("base64");
}

export const embeddingsRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  const s = ctx.settings;
  const dim = ctx.model.config.projectionDim;
  const bodySchema = embeddingsBodySchema(s);
  app.post<{ Body: EmbeddingsBody }>(
    "/v1/embeddings",
    {
      schema: {
        summary: "CLIP embeddings of texts or images (OpenAI-compatible)",
        description:
          'L2-normalized projected CLIP embeddings. `modality: "image"` (an extension) makes ' +
          "`input` images: http(s) URLs, data: URIs or base64. `usage.prompt_tokens` counts " +
          "CLIP token ids fed to the text encoder (start and end tokens included, after " +
          "truncation to 77); images count 0.",
        tags: ["embeddings"],
        body: {
          content: {
            "application/json": {
              schema: bodySchema,
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              object: { type: "string", enum: ["list"] },
              data: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    object: { type: "string", enum: ["embedding"] },
                    index: { type: "integer" },
                    embedding: {
                      anyOf: [{ type: "array", items: { type: "number" } }, { type: "string" }],
                    },
                    error: { type: "string", description: "why this image has no embedding" },
                    code: ERROR_CODE_SCHEMA,
                  },
                  required: ["object", "index", "embedding"],
                },
              },
              model: { type: "string" },
              usage: {
                type: "object",
                properties: {
                  prompt_tokens: { type: "integer" },
                  total_tokens: { type: "integer" },
                },
              },
            },
          },
          "4xx": { $ref: "Error#" },
          "5xx": { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (body === undefined) throw badRequest("a JSON body is required");
      if (body.dimensions !== undefined && body.dimensions !== dim) {
        throw badRequest(
          `this model's embeddings have ${dim} dimensions; dimensions=${body.dimensions} is not supported`,
        );
      }
      const single = typeof body.input === "string";
      const inputs = single ? [body.input as string] : (body.input as string[]);
      const base64 = body.encoding_format === "base64";
      const encode = (v: Float32Array | undefined) =>
        v === undefined ? (base64 ? "" : []) : base64 ? float32ToBase64(v) : Array.from(v);
      // The embed use case's steps, with the server's batcher as the image embedder.
      let vectors: ImageOutcome[];
      let promptTokens = 0;
      if (body.modality === "image") {
        if (inputs.length > s.maxImagesPerRequest) {
          throw limitExceeded("max-images", `at most ${s.maxImagesPerRequest} images per request`);
        }
        const embedder = requestImageEmbedder(ctx, request.abortSignal);
        vectors = await embedImageInputs(embedder, inputs);
        if (single && vectors[0].error !== undefined) throw imageError(vectors[0]);
      } else {
        checkTextInputs(inputs, s);
        const signal = request.abortSignal;
        const texts = await raceSignal(embedTextInputs(ctx.model, inputs, { signal }), signal);
        promptTokens = texts.promptTokens;
        vectors = texts.embeddings.map((embedding) => ({ embedding }));
      }
      return {
        object: "list",
        data: vectors.map((v, index) => ({
          object: "embedding",
          index,
          embedding: encode(v.embedding),
          error: v.error,
          code: v.code,
        })),
        model: s.modelName,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      };
    },
  );
};
