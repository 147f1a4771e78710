/**
 * The subcommands, as data: the name, the term and one-line description top-level --help lists,
 * and how to load the module that builds the real command. main.ts loads only the module of the
 * command it runs, so `zeroclip --version`, `--help` and every command pay only for what they use.
 * test/cli/commands.test.ts checks each row against the command its module builds.
 */
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  /** How top-level help shows its usage (what commander prints for the real command). */
  term: string;
  /** The command's one-line description. */
  summary: string;
  /** Builds the real command (imports its module, and with it the command's dependencies). */
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "classify",
    term: "classify [options] [inputs...]",
    summary: "classify images into the given labels, zero-shot",
    load: async () => (await import("./classify.js")).classifyCommand(),
  },
  {
    name: "embed",
    term: "embed [options]",
    summary: "print projected, L2-normalized CLIP embeddings of texts or images",
    load: async () => (await import("./embed.js")).embedCommand(),
  },
  {
    name: "describe",
    term: "describe [options]",
    summary: "generate CuPL class descriptions with an LLM (OpenAI-compatible chat API)",
    load: async () => (await import("./describe.js")).describeCommand(),
  },
  {
    name: "pull",
    term: "pull [options] [model]",
    summary: "download a model from the Hugging Face Hub into the shared cache",
    load: async () => (await import("./pull.js")).pullCommand(),
  },
  {
    name: "models",
    term: "models [options]",
    summary: "list the CLIP models in the Hugging Face hub cache, with revisions, dtypes and sizes",
    load: async () => (await import("./models.js")).modelsCommand(),
  },
  {
    name: "eval",
    term: "eval [options] [dataset]",
    summary: "compare prompt strategies on a labelled image set (accuracy, confusion, report)",
    load: async () => (await import("./eval.js")).evalCommand(),
  },
  {
    name: "adapt",
    term: "adapt [options] <support>",
    summary:
      "build a training-free few-shot adapter (Tip-Adapter, TIP-X or GDA) from labelled images",
    load: async () => (await import("./adapt.js")).adaptCommand(),
  },
  {
    name: "index",
    term: "index [options] <inputs...>",
    summary: "embed images into a store once, for search and classification without an image pass",
    load: async () => (await import("./index-images.js")).indexCommand(),
  },
  {
    name: "search",
    term: "search [options]",
    summary: "find the stored images closest to a text or an image (exact cosine top-k)",
    load: async () => (await import("./search.js")).searchCommand(),
  },
  {
    name: "serve",
    term: "serve [options]",
    summary: "HTTP API and web page: the model stays loaded, concurrent requests are batched",
    load: async () => (await import("./serve.js")).serveCommand(),
  },
  {
    name: "worker",
    term: "worker [options]",
    summary: "scale out: embed shards queued by `zeroclip index --queue` into the store",
    load: async () => (await import("./worker.js")).workerCommand(),
  },
];

/**
 * The entry of the command `argv` runs, if any: the first word that is not an option (after
 * `help`, the command help is asked for).
 */
export function commandFor(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}
