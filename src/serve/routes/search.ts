/**
 * `POST /v1/search` (with `zeroclip serve --store`): the stored images closest to a text or an
 * image, in the shape `zeroclip search` prints: `{"query", "results": [{"input", "score"}]}`,
 * best first, exact cosine top-k. A text query goes through templates as the CLI's `--template`
 * does; an image query is a URL, data: URI or base64 (never a path), embedded through the shared
 * batcher. With `"thumbnails": true` every stored file in the answer gets a small JPEG data URI
 * (the page's grid); stored URLs are listed without one (the server would have to fetch them).
 */

import type { FromSchema } from "json-schema-to-ts";
import { searchStore } from "../../app/search.js";
import { thumbnails } from "../../eval/thumbnails.js";
import { isHttpUrl } from "../../image/source.js";
import type { VectorStore } from "../../store/types.js";
import { raceSignal } from "../deadline.js";
import { badRequest, imageError } from "../errors.js";
import { embedRequestImages } from "../images.js";
import type { ServePlugin } from "../options.js";
import type { ServeSettings } from "../settings.js";

/** The largest k a request may ask for. */
export const MAX_SEARCH_K = 1000;

const RESULT = {
  type: "object",
  properties: {
    input: { type: "string", description: "the stored path or URL" },
    score: { type: "number", description: "cosine similarity to the query" },
    thumbnail: { type: "string", description: "a JPEG data: URI (with thumbnails: true)" },
  },
  required: ["input", "score"],
} as const;

/** The body's JSON Schema (limits from the settings); `SearchBody` is derived from it. */
export function searchBodySchema(s: Pick<ServeSettings, "maxTextLength" | "maxTemplates">) {
  return {
    type: "object",
    properties: {
      text: { type: "string", minLength: 1, maxLength: s.maxTextLength },
      image: { type: "string", minLength: 1 },
      k: { type: "integer", minimum: 1, maximum: MAX_SEARCH_K, default: 10 },
      templates: {
        type: "array",
        minItems: 1,
        maxItems: s.maxTemplates,
        items: { type: "string", minLength: 1, maxLength: s.maxTextLength },
      },
      thumbnails: { type: "boolean", default: false },
    },
    oneOf: [{ required: ["text"] }, { required: ["image"] }],
    additionalProperties: false,
  } as const;
}

type SearchBody = FromSchema<ReturnType<typeof searchBodySchema>>;

/** How the query is named in the answer: the text, an image URL as given, or `<image>`. */
function queryName(body: SearchBody): string {
  if (body.text !== undefined) return body.text;
  return isHttpUrl(body.image!) ? body.image! : "<image>";
}

/** The search feature over `store` (opened and checked against the server's model by the caller). */
export function searchPlugin(
  store: Pick<VectorStore, "nearest" | "identity" | "location">,
): ServePlugin {
  return {
    feature: "search",
    plugin: async (app, { ctx }) => {
      app.post<{ Body: SearchBody }>(
        "/v1/search",
        {
          schema: {
            summary: "The stored images closest to a text or an image (exact cosine top-k)",
            description:
              "Exactly one of `text` and `image`. The answer is `zeroclip search`'s record for " +
              "one query. `templates` wrap a text query (`{}` for the text; several are " +
              "averaged as class embeddings are). An image is an http(s) URL, a data: URI or " +
              "base64; one that cannot be read is the request's 422.",
            tags: ["search"],
            body: searchBodySchema(ctx.settings),
            response: {
              200: {
                type: "object",
                properties: {
                  query: { type: "string" },
                  results: { type: "array", items: RESULT },
                },
                required: ["query", "results"],
              },
              "4xx": { $ref: "Error#" },
              "5xx": { $ref: "Error#" },
            },
          },
        },
        async (request) => {
          const body = request.body;
          if (body === undefined) throw badRequest("a JSON body is required");
          if (body.templates && body.text === undefined) {
            throw badRequest("templates apply to a text query only");
          }
          const query = body.text !== undefined ? { text: body.text } : { image: body.image! };
          // The same use case as `zeroclip search`; image queries go through the shared batcher,
          // decoded with the store's settings.
          const [answer] = await raceSignal(
            searchStore(ctx.model, store, [query], {
              topK: body.k, // HTTP keeps `k` (see the glossary in docs/architecture.md)
              templates: body.templates,
              embedImage: async (image, settings) =>
                (
                  await embedRequestImages(ctx, [image as string], request.abortSignal, settings)
                )[0],
            }),
            request.abortSignal,
          );
          if (answer.error !== undefined) throw imageError(answer);
          const hits = answer.results;
          // Stored files only (a URL would be fetched on every search), a few at a time.
          const thumbs = body.thumbnails
            ? await thumbnails(hits.map((h) => h.input).filter((input) => !isHttpUrl(input)))
            : undefined;
          const results = hits.map((h) => {
            const thumbnail = thumbs?.get(h.input);
            return thumbnail ? { ...h, thumbnail } : h;
          });
          return { query: queryName(body), results };
        },
      );
    },
  };
}
