/**
 * `describeClasses` as the core entry point exports it: the LLM client (openai, 60–100 ms to
 * import) is loaded when descriptions are first asked for, not when zeroclip is imported.
 */
import type { DescribeOptions, DescribeResult } from "./describe.js";

/** Writes CuPL descriptions for `labels` with an LLM; see prompts/describe.ts. */
export async function describeClasses(
  labels: readonly string[],
  options: DescribeOptions,
): Promise<DescribeResult> {
  const { describeClasses: describe } = await import("./describe.js");
  return describe(labels, options);
}
