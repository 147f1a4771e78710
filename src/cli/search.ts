import { Command, Option } from "commander";
import { search } from "../app/search-request.js";
import { AGGREGATES, type Aggregate } from "../classify/class-embeddings.js";
import type { SearchQuery, SearchResult } from "../store/search.js";
import {
  addFormatOption,
  addModelOptions,
  collect,
  type ModelFlags,
  positiveInt,
} from "./common.js";
import { setExitCode } from "./exit.js";
import { modelRequest, printMessage } from "./model-choice.js";
import { defaultFormat, type Format, formatTable, printRecords, roundScore } from "./output.js";
import { type PromptFlags, promptsFromFlags } from "./prompt-options.js";

/** A query flag's value with its position on the command line (texts and images interleave). */
interface Ordered {
  at: number;
  value: string;
}

let position = 0;
function ordered(value: string, previous: Ordered[] = []): Ordered[] {
  return [...previous, { at: position++, value }];
}

/** The prompt flags are classify's (their help here speaks of queries, not classes). */
interface SearchFlags extends ModelFlags, PromptFlags {
  text?: Ordered[];
  image?: Ordered[];
  store: string;
  topK?: number;
  /** `--k`, the former name of `--top-k` (kept for one release). */
  k?: number;
  format?: Format;
  html?: string;
  approximate?: boolean;
  efSearch?: number;
}

export function searchCommand(): Command {
  const cmd = new Command("search")
    .description("find the stored images closest to a text or an image (exact cosine top-k)")
    .option("--text <text>", "a text query (repeatable)", ordered)
    .option("--image <path|url>", "an image query (repeatable)", ordered)
    .requiredOption(
      "--store <path|url>",
      "the store made by `zeroclip index` (file or postgres://)",
    )
    .option("-k, --top-k <k>", "results per query (default 10)", positiveInt("--top-k"))
    .addOption(
      new Option("--k <k>", "the former name of --top-k").argParser(positiveInt("--k")).hideHelp(),
    )
    .option(
      "-t, --template <template>",
      "wrap text queries in a template with {} (repeatable)",
      collect,
    )
    .option("--templates-file <file>", "templates: a JSON list, or a {dataset: [templates]} map")
    .option("--templates-key <key>", "which dataset's templates to take from --templates-file")
    .option(
      "--descriptions <file>",
      "CuPL descriptions: a text query is a class name whose descriptions are averaged",
    )
    .addOption(
      new Option("--aggregate <mode>", "how a query's several texts are combined")
        .choices(AGGREGATES as Aggregate[])
        .default("normalized-mean"),
    )
    .option("--allow-missing", "with --descriptions: a query without descriptions uses templates");
  addFormatOption(cmd)
    .option("--html <file>", "also write the results as a self-contained HTML gallery")
    .option(
      "--approximate",
      "postgres:// stores: let pgvector's HNSW index answer (faster, not always the exact top k)",
    )
    .option(
      "--ef-search <n>",
      "with --approximate: HNSW candidates (hnsw.ef_search; default 40, at least k)",
      positiveInt("--ef-search"),
    );
  addModelOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip search --store photos.zcstore --text "a dog on a beach" --top-k 5
  zeroclip search --store photos.zcstore --image query.jpg --html results.html
  zeroclip search --store photos.zcstore --text "tree frog" --descriptions descriptions.json
  zeroclip search --store photos.zcstore --text cat --text dog --format jsonl
  zeroclip search --store postgres://me@db/photos --text "a red car" --approximate --ef-search 100

-k is short for --top-k (the former --k still works).
The store's model and dtype are used unless --model / --dtype say otherwise (another model is
an error). Several queries give one result block each, in command-line order. Search is exact
(every stored vector is compared) unless --approximate.
Output (jsonl): {"query": "...", "results": [{"input": "...", "score": 0.31}, ...]} per query.
Exit codes: 0 ok, 1 some image queries could not be read, 2 usage error, 3 model error.`,
  );
  cmd.action(async (flags: SearchFlags) => setExitCode(await runSearch(flags, cmd)));
  return cmd;
}

export async function runSearch(flags: SearchFlags, cmd: Command): Promise<number> {
  const queries: SearchQuery[] = [
    ...(flags.text ?? []).map((q) => ({ text: q.value, at: q.at })),
    ...(flags.image ?? []).map((q) => ({ image: q.value, at: q.at })),
  ]
    .sort((a, b) => a.at - b.at)
    .map(({ at: _, ...q }) => q);
  const prompts = await promptsFromFlags(flags);
  const outcome = await search(
    {
      store: flags.store,
      queries,
      topK: flags.topK ?? flags.k,
      templates: prompts.templates,
      descriptions: prompts.descriptions,
      aggregate: flags.aggregate,
      allowMissing: flags.allowMissing,
      nearest: { approximate: flags.approximate, efSearch: flags.efSearch },
      model: modelRequest(flags, cmd),
      html: flags.html,
    },
    {
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      onMessage: printMessage,
    },
  );
  printResults(outcome.results, flags.format ?? defaultFormat());
  if (flags.html) process.stderr.write(`gallery written to ${flags.html}\n`);
  for (const r of outcome.results) {
    if (r.error !== undefined) process.stderr.write(`failed: ${r.query}: ${r.error}\n`);
  }
  return outcome.failed > 0 ? 1 : 0;
}

function toRecord(r: SearchResult): Record<string, unknown> {
  if (r.error !== undefined) return { query: r.query, code: r.code, error: r.error };
  return {
    query: r.query,
    results: r.results.map((h) => ({ input: h.input, score: roundScore(h.score) })),
  };
}

function printResults(results: readonly SearchResult[], format: Format): void {
  if (format !== "table") {
    printRecords(results.map(toRecord), format);
  } else {
    const blocks = results.map((r) => {
      const head = `query: ${r.query}\n`;
      if (r.error !== undefined) return `${head}error: ${r.error}\n`;
      const rows = r.results.map((h, i) => [String(i + 1), h.score.toFixed(4), h.input]);
      return head + formatTable(["#", "score", "input"], rows);
    });
    process.stdout.write(blocks.join("\n"));
  }
}
