import { Command, Option } from "commander";
import { type EmbedResult, embed } from "../app/embed.js";
import { readUserFile } from "../prompts/files.js";
import { addImageOptions, addModelOptions, collect, type ModelFlags } from "./common.js";
import { setExitCode } from "./exit.js";
import { modelRequest, printMessage } from "./model-choice.js";
import { printRecords } from "./output.js";
import { stageBars } from "./stage-bars.js";

interface EmbedFlags extends ModelFlags {
  text?: string[];
  textsFile?: string;
  image?: string[];
  format: "jsonl" | "json";
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
}

export function embedCommand(): Command {
  const cmd = new Command("embed")
    .description("print projected, L2-normalized CLIP embeddings of texts or images")
    .option("--text <text>", "a text to embed (repeatable)", collect)
    .option("--texts-file <file>", "texts to embed, one per line")
    .option("--image <path>", "an image file, folder or URL to embed (repeatable)", collect)
    .addOption(
      new Option("--format <format>", "output format").choices(["jsonl", "json"]).default("jsonl"),
    );
  addImageOptions(cmd);
  addModelOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip embed --text "a photo of a cat" --text "a photo of a dog"
  zeroclip embed --image photos/ --format json > embeddings.json

Output (jsonl): {"input": "...", "embedding": [...]} per input, or {"input": "...", "code": "...", "error": "..."}.
The numbers equal those of POST /v1/embeddings for the same inputs and image settings.
Exit codes: 0 all embedded, 1 some images failed, 2 usage error, 3 model error,
4 network error (hub).`,
  );
  cmd.action(async (flags: EmbedFlags) => setExitCode(await runEmbed(flags, cmd)));
  return cmd;
}

function toRecord(r: EmbedResult): Record<string, unknown> {
  return r.embedding
    ? { input: r.input, embedding: Array.from(r.embedding) }
    : { input: r.input, code: r.code, error: r.error };
}

export async function runEmbed(flags: EmbedFlags, cmd?: Command): Promise<number> {
  const texts = [...(flags.text ?? [])];
  if (flags.textsFile) {
    const lines = (await readUserFile(flags.textsFile, "texts file")).split(/\r?\n/);
    texts.push(...lines.filter((l) => l.trim() !== ""));
  }
  const bars = stageBars();
  const outcome = await embed(
    {
      texts,
      images: flags.image,
      model: modelRequest(flags, cmd),
      image: { exifOrientation: flags.exifOrientation, maxPixels: flags.maxPixels },
      batchSize: flags.batchSize,
    },
    {
      onProgress: bars.update,
      onMessage: printMessage,
      // jsonl is written as each batch finishes, so a long run's output survives an interruption.
      onResult: (r) => {
        if (flags.format === "jsonl") process.stdout.write(JSON.stringify(toRecord(r)) + "\n");
      },
    },
  ).finally(() => bars.stop());
  if (flags.format === "json") printRecords(outcome.results.map(toRecord), "json");
  const { failed, results } = outcome;
  if (failed > 0) process.stderr.write(`${failed} of ${results.length} inputs failed\n`);
  return failed > 0 ? 1 : 0;
}
