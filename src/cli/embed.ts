import { Command, Option } from "commander";
import { expandInputs } from "../image/source.js";
import type { ImageEmbedResult } from "../model/image-pipeline.js";
import { readUserFile } from "../prompts/files.js";
import { UsageError } from "../util/errors.js";
import { progressBar } from "../util/progress.js";
import { addImageOptions, addModelOptions, collect, loadModel, type ModelFlags } from "./common.js";
import { setExitCode } from "./exit.js";
import { printRecords } from "./output.js";

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
Exit codes: 0 all embedded, 1 some images failed, 2 usage error, 3 model error,
4 network error (hub).`,
  );
  cmd.action(async (flags: EmbedFlags) => setExitCode(await runEmbed(flags)));
  return cmd;
}

export async function runEmbed(flags: EmbedFlags): Promise<number> {
  const texts = [...(flags.text ?? [])];
  if (flags.textsFile) {
    const lines = (await readUserFile(flags.textsFile, "texts file")).split(/\r?\n/);
    texts.push(...lines.filter((l) => l.trim() !== ""));
  }
  const images = flags.image ?? [];
  if (texts.length === 0 && images.length === 0) {
    throw new UsageError("nothing to embed: give --text, --texts-file or --image");
  }
  if (texts.length > 0 && images.length > 0)
    throw new UsageError("embed texts or images, not both at once");
  const model = await loadModel(flags);
  try {
    let records: unknown[];
    let failed = 0;
    if (texts.length > 0) {
      const embs = await model.embedTexts(texts, { batchSize: flags.batchSize });
      records = texts.map((t, i) => ({ input: t, embedding: Array.from(embs[i]) }));
    } else {
      const files = await expandInputs(images);
      if (files.length === 0) throw new UsageError("no images found in the given folders");
      const bar = progressBar("embed", files.length, "images");
      const toRecord = (r: ImageEmbedResult) =>
        r.embedding
          ? { input: r.input, embedding: Array.from(r.embedding) }
          : { input: r.input, code: r.code, error: r.error };
      const results = await model.embedImages(files, {
        batchSize: flags.batchSize,
        exifOrientation: flags.exifOrientation,
        maxPixels: flags.maxPixels,
        onProgress: (d) => bar.update(d),
        // jsonl is written as each batch finishes, so a long run's output survives an interruption.
        onResult: (r) => {
          if (flags.format === "jsonl") process.stdout.write(JSON.stringify(toRecord(r)) + "\n");
        },
      });
      bar.stop();
      failed = results.filter((r) => r.error).length;
      if (failed > 0) process.stderr.write(`${failed} of ${results.length} inputs failed\n`);
      if (flags.format === "jsonl") return failed > 0 ? 1 : 0;
      records = results.map(toRecord);
    }
    printRecords(records, flags.format);
    return failed > 0 ? 1 : 0;
  } finally {
    await model.dispose();
  }
}
