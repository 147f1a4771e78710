import { Command, InvalidArgumentError, Option } from "commander";
import { describeLabels } from "../app/describe.js";
import { DESCRIBE_DEFAULTS } from "../prompts/describe.js";
import { DEFAULT_QUESTION_SET, QUESTION_SETS, resolveQuestions } from "../prompts/questions.js";
import { RETRY_DEFAULTS } from "../prompts/retry.js";
import { writeFileAtomic } from "../util/atomic.js";
import { labelsFromFlags } from "./classify.js";
import { nonNegativeInt, positiveInt, positiveNumber } from "./common.js";
import { setExitCode } from "./exit.js";
import { stageBars } from "./stage-bars.js";

interface DescribeFlags {
  labels?: string;
  labelsFile?: string;
  out?: string;
  llmBaseUrl?: string;
  llmModel: string;
  questions: string;
  n: number;
  temperature: number;
  maxTokens: number;
  dedupe?: boolean;
  concurrency: number;
  retries: number;
  timeout: number;
  cache: boolean;
  verbose?: boolean;
  retryBaseMs?: number;
}

function temperature(v: string): number {
  const t = Number(v);
  if (!Number.isFinite(t) || t < 0 || t > 2) {
    throw new InvalidArgumentError("--temperature must be between 0 and 2");
  }
  return t;
}

export function describeCommand(): Command {
  const sets = Object.keys(QUESTION_SETS).join("|");
  const cmd = new Command("describe")
    .description("generate CuPL class descriptions with an LLM (OpenAI-compatible chat API)")
    .option("-l, --labels <list>", 'comma-separated class names, e.g. "tree frog,tailed frog"')
    .option(
      "--labels-file <file>",
      "class names: one per line, or a JSON list (FILE#KEY for a map)",
    )
    .option("-o, --out <file>", "write the descriptions JSON here (default: stdout)")
    .requiredOption("--llm-model <name>", "LLM model, e.g. gpt-4o-mini or llama3.1:8b")
    .option(
      "--llm-base-url <url>",
      "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (default $OPENAI_BASE_URL, else the OpenAI API)",
    )
    .option(
      "--questions <set|file>",
      `question set (${sets}) or a file with one question per line, {} for the class`,
      DEFAULT_QUESTION_SET,
    )
    .option("--n <k>", "samples per question", positiveInt("--n"), DESCRIBE_DEFAULTS.n)
    .option("--temperature <t>", "sampling temperature", temperature, DESCRIBE_DEFAULTS.temperature)
    .option(
      "--max-tokens <k>",
      "token limit per answer",
      positiveInt("--max-tokens"),
      DESCRIBE_DEFAULTS.maxTokens,
    )
    .option("--dedupe", "drop repeated sentences (by default repeats are kept and weight the mean)")
    .option(
      "--concurrency <k>",
      "requests in flight at once",
      positiveInt("--concurrency"),
      DESCRIBE_DEFAULTS.concurrency,
    )
    .option(
      "--retries <k>",
      "retries per request on 429, 5xx, timeouts and connection errors",
      nonNegativeInt("--retries"),
      RETRY_DEFAULTS.retries,
    )
    .option(
      "--timeout <seconds>",
      "per-request timeout",
      positiveNumber("--timeout"),
      DESCRIBE_DEFAULTS.timeoutMs / 1000,
    )
    .option("--no-cache", "neither read nor write the answer cache")
    .option("-v, --verbose", "log retries on stderr")
    .addOption(
      new Option("--retry-base-ms <ms>", "first backoff delay (tests)")
        .argParser(positiveNumber("--retry-base-ms"))
        .hideHelp(),
    );
  cmd.addHelpText(
    "after",
    `
Examples:
  # Ollama (no key needed)
  zeroclip describe --labels "tree frog,tailed frog" --llm-base-url http://localhost:11434/v1 \\
    --llm-model llama3.1:8b --out descriptions.json
  # OpenAI (key from OPENAI_API_KEY)
  zeroclip describe --labels-file labels.txt --llm-model gpt-4o-mini --out descriptions.json
  zeroclip classify frog.jpg --labels "tree frog,tailed frog" --descriptions descriptions.json

Output: {"class name": ["sentence.", ...], ...} (the CuPL JSON format).
Answers are cached under <cache>/llm, <cache> = $ZEROCLIP_CACHE, else $XDG_CACHE_HOME/zeroclip,
else ~/.cache/zeroclip: a re-run makes no
requests and an interrupted run resumes where it stopped.
Exit codes: 0 all classes described, 1 some classes failed (the others are written),
2 usage error, 4 the endpoint failed (authentication, unknown model, or every class failed).`,
  );
  cmd.action(async (flags: DescribeFlags) => setExitCode(await runDescribe(flags)));
  return cmd;
}

export async function runDescribe(flags: DescribeFlags): Promise<number> {
  const labels = await labelsFromFlags(flags);
  const bars = stageBars();
  const result = await describeLabels(
    {
      labels,
      llm: { model: flags.llmModel, baseURL: flags.llmBaseUrl },
      // A set's name, or a file of questions (read here: files are the CLI's).
      questions: await resolveQuestions(flags.questions),
      n: flags.n,
      temperature: flags.temperature,
      maxTokens: flags.maxTokens,
      dedupe: flags.dedupe,
      concurrency: flags.concurrency,
      retries: flags.retries,
      retryBaseMs: flags.retryBaseMs,
      timeoutMs: flags.timeout * 1000,
      cache: flags.cache,
    },
    {
      onProgress: bars.update,
      onFailure: (f) =>
        process.stderr.write(`describe: ${JSON.stringify(f.label)} failed: ${f.error}\n`),
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      onRetry: flags.verbose ? (m) => process.stderr.write(`retry: ${m}\n`) : undefined,
    },
  ).finally(() => bars.stop());

  const json = `${JSON.stringify(result.descriptions, null, 4)}\n`;
  if (flags.out) await writeFileAtomic(flags.out, json);
  else process.stdout.write(json);

  const tokens = result.usage.promptTokens + result.usage.completionTokens;
  process.stderr.write(
    `described ${result.described} of ${labels.length} classes (${result.sentences} sentences` +
      `${flags.out ? ` → ${flags.out}` : ""}); ${result.requests} requests, ` +
      `${result.cachedAnswers} answers from the cache${tokens > 0 ? `, ${tokens} tokens` : ""}\n`,
  );
  if (result.failures.length > 0) {
    process.stderr.write(
      `${result.failures.length} of ${labels.length} classes failed: ${listNames(result.failures.map((f) => f.label))}` +
        (result.endpointDown
          ? ` (every request to ${result.endpoint} failed: check that the server is up and --llm-base-url)\n`
          : " (run again to retry them; finished answers are cached)\n"),
    );
    return result.endpointDown ? 4 : 1;
  }
  return 0;
}

function listNames(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  return names.length > max
    ? `${shown.join(", ")}, … (${names.length - max} more)`
    : shown.join(", ");
}
