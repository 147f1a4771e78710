/**
 * The Transformers.js side of the whole-process benchmark (bench/process.ts): the job
 * `zeroclip embed` does, as a fresh process would do it with `@huggingface/transformers`, so the
 * two are timed the same way, from spawn to exit:
 *
 *   node dist/bench/tfjs-embed.js --model DIR --dtype fp32|q8 --threads N --batch-size N
 *        (--image PATH ... | --texts-file FILE)
 *
 * prints one `{"input", "embedding"}` JSON line per input (L2-normalized), as `zeroclip embed`
 * does. `--import-only` imports the library and prints how long that took, in ms.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { parseArgs } from "node:util";

type Tensor = { data: Float32Array; dims: number[] };

function normalizedRows(t: Tensor): Float32Array[] {
  const width = t.dims[t.dims.length - 1];
  const rows: Float32Array[] = [];
  for (let off = 0; off < t.data.length; off += width) {
    const row = t.data.slice(off, off + width);
    let sum = 0;
    for (const v of row) sum += v * v;
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < row.length; i++) row[i] *= inv;
    rows.push(row);
  }
  return rows;
}

function print(inputs: string[], embeddings: Float32Array[]): void {
  let out = "";
  for (const [i, e] of embeddings.entries()) {
    out += `${JSON.stringify({ input: inputs[i], embedding: Array.from(e) })}\n`;
  }
  process.stdout.write(out);
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      model: { type: "string" },
      dtype: { type: "string", default: "fp32" },
      threads: { type: "string", default: "2" },
      "batch-size": { type: "string", default: "16" },
      image: { type: "string", multiple: true, default: [] },
      "texts-file": { type: "string" },
      "import-only": { type: "boolean", default: false },
    },
  });
  const start = process.hrtime.bigint();
  const tf = await import("@huggingface/transformers");
  if (a["import-only"]) {
    process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
    return;
  }
  if (!a.model) throw new Error("--model DIR is required");
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = dirname(a.model);
  const id = basename(a.model);
  const opts = {
    dtype: a.dtype,
    device: "cpu",
    session_options: { intraOpNumThreads: Number(a.threads), interOpNumThreads: 1 },
  } as Parameters<typeof tf.CLIPVisionModelWithProjection.from_pretrained>[1];
  const size = Number(a["batch-size"]);
  if (a["texts-file"]) {
    const texts = (await readFile(a["texts-file"], "utf8")).split("\n").filter((t) => t !== "");
    const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
    const model = await tf.CLIPTextModelWithProjection.from_pretrained(id, opts);
    for (let i = 0; i < texts.length; i += size) {
      const batch = texts.slice(i, i + size);
      const { text_embeds } = await model(tokenizer(batch, { padding: true, truncation: true }));
      print(batch, normalizedRows(text_embeds as Tensor));
    }
    return;
  }
  const files = a.image!;
  const processor = await tf.AutoProcessor.from_pretrained(id);
  const model = await tf.CLIPVisionModelWithProjection.from_pretrained(id, opts);
  for (let i = 0; i < files.length; i += size) {
    const batch = files.slice(i, i + size);
    const images = await Promise.all(batch.map((f) => tf.RawImage.read(f)));
    const { image_embeds } = await model(await processor(images));
    print(batch, normalizedRows(image_embeds as Tensor));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
