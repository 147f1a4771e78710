/**
 * `GET /v1/config`: what this server offers (model, limits, features, presets), read by the web
 * page to show only what works; `GET /v1/presets/{kind}/{name}`: one named class list or
 * template set (e.g. from CLIP_benchmark's files given with --classnames-file/--templates-file).
 */
import type { FastifyPluginAsync } from "fastify";
import type { FromSchema } from "json-schema-to-ts";
import type { ServeContext } from "../context.js";
import { ApiError, sendError } from "../errors.js";
import { HF_DEFAULT_TEMPLATE } from "./classify-schemas.js";

/** `/v1/presets/:kind/:name`'s path parameters (the handler's type is derived from it). */
const PRESET_PARAMS = {
  type: "object",
  properties: {
    kind: { type: "string", enum: ["classnames", "templates"] },
    name: { type: "string" },
  },
  required: ["kind", "name"],
} as const;

export const configRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  const s = ctx.settings;
  app.get(
    "/v1/config",
    {
      schema: {
        summary: "What this server offers: model, limits, features, presets",
        tags: ["operations"],
        response: {
          200: {
            type: "object",
            properties: {
              model: { type: "string" },
              dtype: { type: "string" },
              embedding_dim: { type: "integer" },
              ready: { type: "boolean" },
              needs_labels: { type: "boolean" },
              fixed_labels: { type: "array", items: { type: "string" } },
              features: { type: "array", items: { type: "string" } },
              llm_model: { type: "string", description: "the LLM behind /v1/describe" },
              url_inputs: { type: "boolean" },
              family: { type: "string", enum: ["clip", "siglip", "siglip2"] },
              scoring: { type: "string", enum: ["softmax", "sigmoid"] },
              private_urls: {
                type: "boolean",
                description: "URL inputs may point at private addresses (--allow-private-urls)",
              },
              default_template: { type: "string" },
              hf_default_template: { type: "string" },
              limits: {
                type: "object",
                properties: {
                  body_bytes: { type: "integer" },
                  images_per_request: { type: "integer" },
                  max_pixels: { type: "integer" },
                  labels: { type: "integer" },
                  templates: { type: "integer" },
                  descriptions_per_label: { type: "integer" },
                  prompt_texts: { type: "integer" },
                  text_length: { type: "integer" },
                  request_pixels: { type: "integer" },
                  request_timeout_ms: { type: "integer" },
                },
              },
              presets: {
                type: "object",
                properties: {
                  classnames: { type: "array", items: { type: "string" } },
                  templates: { type: "array", items: { type: "string" } },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      model: s.modelName,
      dtype: ctx.model.dtype,
      embedding_dim: ctx.model.config.projectionDim,
      ready: ctx.ready,
      needs_labels: ctx.classifiers.needsLabels,
      fixed_labels: ctx.classifiers.fixedLabels ? [...ctx.classifiers.fixedLabels] : undefined,
      features: [...ctx.features].sort(),
      llm_model: ctx.llm?.model,
      url_inputs: s.allowUrlInputs,
      family: ctx.model.family.name,
      scoring: ctx.model.family.scoring,
      default_template: ctx.model.family.defaultTemplate,
      private_urls: s.allowPrivateUrls,
      hf_default_template: HF_DEFAULT_TEMPLATE,
      limits: {
        body_bytes: s.bodyLimit,
        images_per_request: s.maxImagesPerRequest,
        max_pixels: s.maxPixels,
        labels: s.maxLabels,
        templates: s.maxTemplates,
        descriptions_per_label: s.maxDescriptionsPerLabel,
        prompt_texts: s.maxPromptTexts,
        text_length: s.maxTextLength,
        request_pixels: s.maxRequestPixels,
        request_timeout_ms: s.requestTimeoutMs,
      },
      presets: {
        classnames: Object.keys(ctx.presets.classnames),
        templates: Object.keys(ctx.presets.templates),
      },
    }),
  );

  app.get<{ Params: FromSchema<typeof PRESET_PARAMS> }>(
    "/v1/presets/:kind/:name",
    {
      schema: {
        summary: "One named class list or template set",
        tags: ["operations"],
        params: PRESET_PARAMS,
        response: {
          200: {
            type: "object",
            properties: {
              name: { type: "string" },
              items: { type: "array", items: { type: "string" } },
            },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      const { kind, name } = request.params;
      const sets = ctx.presets[kind];
      if (!Object.hasOwn(sets, name)) {
        return sendError(
          reply,
          new ApiError(404, "not_found", `no ${kind} preset ${JSON.stringify(name)}`),
        );
      }
      return { name, items: [...sets[name]] };
    },
  );
};
