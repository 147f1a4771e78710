/**
 * The route body types are derived from their JSON Schemas (json-schema-to-ts `FromSchema`).
 * These compile-time checks pin what the derivation gives, so a schema edit that changes a
 * body's type (or a derivation that collapses to `never` or `unknown`) stops the build.
 * Compiled with the tests, never run.
 */
import type { FromSchema } from "json-schema-to-ts";
import type {
  hfClassifySchema,
  nativeClassifySchema,
} from "../../src/serve/routes/classify-schemas.js";
import type { describeBodySchema } from "../../src/serve/routes/describe.js";
import type { embeddingsBodySchema } from "../../src/serve/routes/embeddings.js";
import type { searchBodySchema } from "../../src/serve/routes/search.js";

/** Each route's body type, derived as the route derives it. */
type NativeClassifyBody = FromSchema<ReturnType<typeof nativeClassifySchema>>;
type HfClassifyBody = FromSchema<ReturnType<typeof hfClassifySchema>>;
type EmbeddingsBody = FromSchema<ReturnType<typeof embeddingsBodySchema>>;
type DescribeBody = FromSchema<ReturnType<typeof describeBodySchema>>;
type SearchBody = FromSchema<ReturnType<typeof searchBodySchema>>;

/** True exactly when A and B are the same type (not merely assignable). */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

expectType<Equal<NativeClassifyBody["images"], string[]>>(true);
expectType<Equal<NativeClassifyBody["labels"], string[] | undefined>>(true);
expectType<Equal<NativeClassifyBody["top_k"], number | undefined>>(true);
expectType<Equal<NativeClassifyBody["aggregate"], "normalized-mean" | "pooled-mean" | undefined>>(
  true,
);
expectType<Equal<NativeClassifyBody["descriptions"], { [k: string]: string[] } | undefined>>(true);
expectType<Equal<HfClassifyBody["inputs"], string>>(true);
expectType<
  Equal<NonNullable<HfClassifyBody["parameters"]>["candidate_labels"], string[] | undefined>
>(true);
expectType<Equal<EmbeddingsBody["input"], string | string[]>>(true);
expectType<Equal<EmbeddingsBody["encoding_format"], "float" | "base64" | undefined>>(true);
expectType<Equal<EmbeddingsBody["modality"], "text" | "image" | undefined>>(true);
expectType<Equal<DescribeBody["labels"], string[]>>(true);
expectType<Equal<DescribeBody["questions"], "seed" | "cupl-imagenet" | string[] | undefined>>(true);
expectType<Equal<SearchBody["k"], number>>(true); // defaulted: present once validated
expectType<Equal<SearchBody["text"], string | undefined>>(true);
