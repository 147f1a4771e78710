/**
 * `POST /v1/classify` in three shapes: the zeroclip JSON shape (several images, per-image
 * results), `multipart/form-data` (the same with uploaded files) and the Hugging Face task
 * shape (one image → `[{label, score}]`; a bad image is then the request's error, 422).
 */
import multipart from "@fastify/multipart";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { FromSchema } from "json-schema-to-ts";
import { classifyImages } from "../../app/classify.js";
import { prepareExplanations } from "../../app/classify-classes.js";
import { checkClassifyBudget } from "../budget.js";
import type { ClassifyParams, ImageScorer } from "../classifier-source.js";
import type { ServeContext } from "../context.js";
import { raceSignal } from "../deadline.js";
import { badRequest, imageError, limitExceeded, schemaLimit } from "../errors.js";
import { requestImageEmbedder } from "../images.js";
import { readClassifyMultipart } from "./classify-multipart.js";
import {
  type ClassifyLimits,
  classifyBodySchema,
  HF_DEFAULT_TEMPLATE,
  HF_RESPONSE,
  type hfClassifySchema,
  NATIVE_RESPONSE,
  nativeClassifySchema,
} from "./classify-schemas.js";

/** The bodies as their schemas validate them (json-schema-to-ts; types only, nothing at run time). */
type NativeBody = FromSchema<ReturnType<typeof nativeClassifySchema>>;
type HfBody = FromSchema<ReturnType<typeof hfClassifySchema>>;

function nativeParams(b: Omit<NativeBody, "images">): ClassifyParams {
  return {
    labels: b.labels,
    templates: b.templates,
    descriptions: b.descriptions,
    allowMissing: b.allow_missing,
    aggregate: b.aggregate,
  };
}

export const classifyRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  // Multipart is parsed in this plugin only: elsewhere it stays a 415.
  await app.register(multipart, {
    limits: {
      fileSize: ctx.settings.bodyLimit,
      files: ctx.settings.maxImagesPerRequest + 1,
      fields: 64,
      fieldSize: ctx.settings.bodyLimit,
      parts: ctx.settings.maxImagesPerRequest + 65,
    },
  });
  const limits: ClassifyLimits = {
    maxImages: ctx.settings.maxImagesPerRequest,
    maxLabels: ctx.settings.maxLabels,
    maxTemplates: ctx.settings.maxTemplates,
    maxDescriptionsPerLabel: ctx.settings.maxDescriptionsPerLabel,
    maxTextLength: ctx.settings.maxTextLength,
    needsLabels: ctx.classifiers.needsLabels,
  };
  // Multipart fields are checked against the JSON shape's schema, without `images`.
  const native = nativeClassifySchema(limits);
  const { images: _images, ...fieldProps } = native.properties;
  const fieldsSchema = {
    ...native,
    properties: fieldProps,
    required: native.required.filter((r) => r !== "images"),
  };

  // The budget is checked before any text is encoded; the build stops when the request ends.
  const scorerFor = (params: ClassifyParams, request: FastifyRequest): Promise<ImageScorer> => {
    checkClassifyBudget(params, ctx.settings);
    return raceSignal(ctx.classifiers.scorer(params, request.abortSignal), request.abortSignal);
  };

  // The classify use case's scoring step, with the server's batcher as the image embedder.
  async function classifyMany(
    request: FastifyRequest,
    images: readonly (string | Uint8Array)[],
    body: Omit<NativeBody, "images">,
  ) {
    const scorer = await scorerFor(nativeParams(body), request);
    const explain = await prepareExplanations(scorer, body.explain, (m) =>
      request.log.info({ warning: m }, "classify"),
    );
    const results = await classifyImages(
      scorer,
      requestImageEmbedder(ctx, request.abortSignal),
      images,
      { topK: body.top_k, explain },
    );
    return {
      results: results.map((r) =>
        r.error !== undefined ? { code: r.code, error: r.error } : { predictions: r.predictions },
      ),
      classes:
        body.include_texts && scorer.classTexts
          ? scorer.labels.map((label, i) => ({ label, texts: [...scorer.classTexts![i]] }))
          : undefined,
    };
  }

  async function classifyHf(request: FastifyRequest, body: HfBody) {
    const p = body.parameters ?? {};
    const scorer = await scorerFor(
      {
        labels: p.candidate_labels,
        // A server with fixed classes (an adapter) takes no template unless one is asked for.
        templates:
          p.hypothesis_template !== undefined || ctx.classifiers.needsLabels
            ? [p.hypothesis_template ?? HF_DEFAULT_TEMPLATE]
            : undefined,
      },
      request,
    );
    const [result] = await classifyImages(
      scorer,
      requestImageEmbedder(ctx, request.abortSignal),
      [body.inputs],
      { topK: p.top_k },
    );
    if (result.error !== undefined) throw imageError(result);
    return result.predictions;
  }

  app.post(
    "/v1/classify",
    {
      schema: {
        summary: "Zero-shot classification of images into labels",
        description:
          "Three request shapes. JSON `{images, labels, templates?, descriptions?, aggregate?, " +
          "top_k?}` → `{results: [{predictions} | {error}]}` in input order (a bad image is an " +
          "error entry, the request still answers 200). The Hugging Face task shape " +
          "`{inputs, parameters: {candidate_labels, hypothesis_template?}}` → " +
          "`[{label, score}]` (a bad image → 422). `multipart/form-data` with `image` file " +
          "parts and a `labels` field answers as the JSON shape.",
        tags: ["classify"],
        body: { content: { "application/json": { schema: classifyBodySchema(limits) } } },
        response: {
          200: { anyOf: [NATIVE_RESPONSE, HF_RESPONSE] },
          "4xx": { $ref: "Error#" },
          "5xx": { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      if (request.isMultipart()) {
        const { images, fields } = await readClassifyMultipart(request, ctx.settings.bodyLimit);
        if (images.length === 0) throw badRequest("no image parts: add `image` file parts");
        if (images.length > limits.maxImages) {
          throw limitExceeded("max-images", `at most ${limits.maxImages} images per request`);
        }
        const check = request.compileValidationSchema(fieldsSchema);
        if (!check(fields)) {
          const e = check.errors?.[0];
          const message =
            `field ${e?.instancePath.slice(1) || ""} ${e?.message ?? "is invalid"}`.trim();
          const limit = e ? schemaLimit(e) : undefined;
          throw limit ? limitExceeded(limit, message) : badRequest(message);
        }
        return classifyMany(request, images, fields as Omit<NativeBody, "images">);
      }
      const body = request.body as NativeBody | HfBody | undefined;
      if (body === undefined) throw badRequest("a JSON body is required");
      if ("inputs" in body) return classifyHf(request, body);
      return classifyMany(request, body.images, body);
    },
  );
};
