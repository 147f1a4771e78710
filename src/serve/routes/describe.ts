/**
 * `POST /v1/describe`: CuPL class descriptions through the server's LLM (`--llm-model`,
 * `--llm-base-url`, key from $OPENAI_API_KEY), with the options and the answer cache of
 * `zeroclip describe`. Classes that fail are listed in `failures`; an endpoint that fails for
 * every class is a 502. Without a configured LLM the route answers 501.
 */
import type { FastifyPluginAsync } from "fastify";
import { DESCRIBE_DEFAULTS, describeClasses } from "../../prompts/describe.js";
import { DEFAULT_QUESTION_SET, QUESTION_SETS } from "../../prompts/questions.js";
import type { ServeContext } from "../context.js";
import { ApiError, limitExceeded } from "../errors.js";

interface DescribeBody {
  labels: string[];
  questions?: string | string[];
  n?: number;
  temperature?: number;
  max_tokens?: number;
  dedupe?: boolean;
}

/** Most samples per question a request may ask for. */
const MAX_N = 50;

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
              schema: {
                type: "object",
                additionalProperties: false,
                required: ["labels"],
                properties: {
                  labels: {
                    type: "array",
                    minItems: 1,
                    maxItems: ctx.settings.maxLabels,
                    items: { type: "string", minLength: 1, maxLength: ctx.settings.maxTextLength },
                  },
                  questions: {
                    anyOf: [
                      { type: "string", enum: Object.keys(QUESTION_SETS) },
                      {
                        type: "array",
                        minItems: 1,
                        maxItems: ctx.settings.maxTemplates,
                        items: { type: "string", maxLength: ctx.settings.maxTextLength },
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
                    maximum: ctx.settings.maxDescribeTokens,
                  },
                  dedupe: { type: "boolean" },
                },
              },
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
                    code: {
                      type: "string",
                      description: "the error's stable code (docs/errors.md)",
                    },
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
      const questions =
        b.questions === undefined
          ? undefined
          : typeof b.questions === "string"
            ? [...QUESTION_SETS[b.questions as keyof typeof QUESTION_SETS]]
            : b.questions;
      const samples =
        b.labels.length *
        (questions ?? QUESTION_SETS[DEFAULT_QUESTION_SET]).length *
        (b.n ?? DESCRIBE_DEFAULTS.n);
      if (samples > ctx.settings.maxDescribeSamples) {
        throw limitExceeded(
          "max-describe-samples",
          `labels × questions × n is ${samples}, over the ${ctx.settings.maxDescribeSamples} allowed`,
        );
      }
      const result = await describeClasses(b.labels, {
        model: llm.model,
        baseURL: llm.baseURL,
        apiKey: llm.apiKey,
        questions,
        n: b.n,
        temperature: b.temperature,
        maxTokens: b.max_tokens,
        dedupe: b.dedupe,
        cache: ctx.settings.diskCache,
        signal: request.abortSignal,
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
