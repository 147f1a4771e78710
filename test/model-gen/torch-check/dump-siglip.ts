/**
 * Development check, not a test: writes a tiny SigLIP fixture's weights, inputs and
 * onnxruntime outputs to JSON for siglip_torch_check.py, which recomputes them with PyTorch's
 * own modules (nn.MultiheadAttention, conv2d, layer_norm, gelu tanh):
 *
 *   node dist/test/model-gen/torch-check/dump-siglip.js siglip /tmp/siglip.json
 *   /usr/bin/python3 test/model-gen/torch-check/siglip_torch_check.py /tmp/siglip.json
 *
 * (Debian: apt-get install python3-torch.)
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSiglipWeights, type SiglipFamily } from "../../support/model-gen/siglip/index.js";
import { loadReferenceTokenizer } from "../../support/siglip-reference-tokenizer.js";
import { noise } from "../helpers.js";
import { idsTensor, pixelsTensor, rows, session, tinyFixture } from "../siglip-helpers.js";

async function main(family: SiglipFamily, out: string): Promise<void> {
  const fx = await tinyFixture(family);
  const weights = Object.fromEntries(
    [...generateSiglipWeights(fx.dims, 0)].map(([k, v]) => [
      k,
      { dims: v.dims, values: Array.from(v.values()) },
    ]),
  );
  const tok = await loadReferenceTokenizer(fx.dir);
  const texts = ["This is a photo of a cat.", "A PHOTO OF A DOG!!!", "Ein Foto von einer Katze"];
  const ids = texts.map((t) => tok.encode(t));
  const pixels = noise(2 * 3 * 224 * 224, 7).map((x) => x / 2);
  const onnx = (f: string) => session(join(fx.dir, "onnx", f));
  const joint = await (await onnx("model.onnx")).run({
    input_ids: idsTensor(ids),
    pixel_values: pixelsTensor(pixels, 2, 224),
  });
  const text = await (await onnx("text_model.onnx")).run({ input_ids: idsTensor(ids) });
  const vision = await (await onnx("vision_model.onnx")).run({
    pixel_values: pixelsTensor(pixels, 2, 224),
  });
  const list = (t: Parameters<typeof rows>[0]) => rows(t).map((r) => Array.from(r));
  const ort = {
    logits_per_image: list(joint.logits_per_image),
    text_pooled: list(text.pooler_output),
    image_pooled: list(vision.pooler_output),
  };
  await writeFile(
    out,
    JSON.stringify({ dims: fx.dims, weights, ids, pixels: Array.from(pixels), ort }),
  );
}

main((process.argv[2] ?? "siglip") as SiglipFamily, process.argv[3] ?? "/tmp/siglip.json").catch(
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
