/**
 * `POST /v1/describe`: CuPL class descriptions through the server's LLM (`--llm-model`,
 * `--llm-base-url`, key from $OPENAI_API_KEY), with the options and the answer cache of
 * `zeroclip describe`. Classes that fail are listed in `failures`; an endpoint that fails for
 * every class is a 502. Without a configured LLM the route answers 501.
 */
import type { FastifyPluginAsync } from "fastify";
import type { FromSchema } from "json-schema-to-ts";
import { type DescribeRequest, describeLabels, describeSamples } from "../../app/describe.js";
import { DESCRIBE_DEFAULTS } from "../../prompts/describe-options.js";
import {
  DEFAULT_QUESTION_SET,
  QUESTION_SETS,
  type QuestionSetName,
} from "../../prompts/questions.js";
import type { ServeContext } from "../context.js";
import { ApiError, ERROR_CODE_SCHEMA, limitExceeded } from "../errors.js";
import type { ServeSettings } from "../settings.js";

/** Most samples per question a request may ask for. */
const MAX_N = 50;

/** The body's JSON Schema (limits from the settings); `DescribeBody` is derived from it. */
export function describeBodySchema(
  s: Pick<ServeSettings, "maxLabels" | "maxTextLength" | "maxTemplates" | "maxDescribeTokens">,
) {
  return {
    type: "object",
    additionalProperties: false,
    required: ["labels"],
    properties: {
      labels: {
        type: "array",
        minItems: 1,
        maxItems: s.maxLabels,
        items: { type: "string", minLength: 1, maxLength: s.maxTextLength },
      },
      questions: {
        anyOf: [
          { type: "string", enum: Object.keys(QUESTION_SETS) as QuestionSetName[] },
          {
            type: "array",
            minItems: 1,
            maxItems: s.maxTemplates,
            items: { type: "string", maxLength: s.maxTextLength },
          },
        ],
        description:
          `a question set (default ${DEFAULT_QUESTION_SET}); a list of questions ` +
          "with {} for the class only when the server allows them " +
          "(--describe-custom-questions)",
      },
      n: {
        type: "integer",
        minimum: 1,
        maximum: MAX_N,
        description: `samples per question (default ${DESCRIBE_DEFAULTS.n})`,
      },
      temperature: { type: "number", minimum: 0, maximum: 2 },
      max_tokens: {
        type: "integer",
        minimum: 1,
        maximum: s.maxDescribeTokens,
      },
      dedupe: { type: "boolean" },
    },
  } as const;
}

type DescribeBody = FromSchema<ReturnType<typeof describeBodySchema>>;

export const describeRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  app.post<{ Body: DescribeBody }>(
    "/v1/describe",
    {
      schema: {
        summary: "CuPL descriptions of classes, written by the configured LLM",
        description:
          "Asks each question about each label `n` times (as `zeroclip describe`); answers are " +
          "cached, so a repeated request makes no LLM calls. Feed `descriptions` to " +
          "`POST /v1/classify`. 501 when the server has no LLM (`--llm-model`).",
        tags: ["describe"],
        body: {
          content: {
            "application/json": {
              schema: describeBodySchema(ctx.settings),
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              descriptions: {
                type: "object",
                additionalProperties: { type: "array", items: { type: "string" } },
              },
              failures: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    label: { type: "string" },
                    error: { type: "string" },
                    code: ERROR_CODE_SCHEMA,
                  },
                },
              },
              requests: { type: "integer" },
              cached_answers: { type: "integer" },
              usage: {
                type: "object",
                properties: {
                  prompt_tokens: { type: "integer" },
                  completion_tokens: { type: "integer" },
                },
              },
              model: { type: "string" },
            },
          },
          "4xx": { $ref: "Error#" },
          "5xx": { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const llm = ctx.llm;
      if (!llm) {
        throw new ApiError(
          501,
          "not_configured",
          "describe needs a language model: start zeroclip serve with --llm-model",
        );
      }
      const b = request.body;
      if (Array.isArray(b.questions) && !ctx.settings.describeCustomQuestions) {
        throw new ApiError(
          403,
          "custom_questions_disabled",
          `this server asks only its named question sets (${Object.keys(QUESTION_SETS).join(", ")}); start it with --describe-custom-questions to allow others`,
        );
      }
      // The describe use case, with the server's LLM, answer cache and sample budget.
      const req: DescribeRequest = {
        labels: b.labels,
        llm,
        questions: b.questions,
        n: b.n,
        temperature: b.temperature,
        maxTokens: b.max_tokens,
        dedupe: b.dedupe,
        cache: ctx.settings.diskCache,
        signal: request.abortSignal,
      };
      const samples = describeSamples(req);
      if (samples > ctx.settings.maxDescribeSamples) {
        throw limitExceeded(
          "max-describe-samples",
          `labels × questions × n is ${samples}, over the ${ctx.settings.maxDescribeSamples} allowed`,
        );
      }
      const result = await describeLabels(req, {
        onWarning: (m) => request.log.warn({ warning: m }, "describe"),
      });
      return {
        descriptions: result.descriptions,
        failures: result.failures.map((f) => ({ label: f.label, code: f.code, error: f.error })),
        requests: result.requests,
        cached_answers: result.cachedAnswers,
        usage: {
          prompt_tokens: result.usage.promptTokens,
          completion_tokens: result.usage.completionTokens,
        },
        model: llm.model,
      };
    },
  );
};
