/**
 * Parity with the PyTorch reference of the HF CLIP architecture (../shared/models/tiny-clip/
 * reference.json): token ids, text and image embeddings, and probabilities from the CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cosine, softmax } from "../../src/math/vector.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { loadReference, type Reference, skipNoShared, tinyClipDir } from "../support/reference.js";

const MAX_LEN = 77;
const EOS = 49407;

describe("parity with the PyTorch reference", { skip: skipNoShared }, () => {
  let ref: Reference;
  let model: ClipModel;
  before(async () => {
    ref = loadReference()!;
    model = await ClipModel.load(tinyClipDir!);
  });
  after(() => model?.dispose());

  it("token ids equal the reference for every text that fits in 77 tokens", () => {
    const fits = ref.texts.filter(
      (t) => t.input_ids.length < MAX_LEN || t.input_ids.at(-1) === EOS,
    );
    assert.ok(fits.length >= 15);
    for (const t of fits) assert.deepEqual(model.tokenizer.encode(t.text), t.input_ids, t.text);
  });

  it("an over-long text is truncated to 77 ids with EOS kept last, as CLIPTokenizerFast does", () => {
    // reference.json lists the first 77 ids of the untruncated encoding (no EOS); HF's fast
    // tokenizer with truncation=True keeps EOS in the last place instead.
    const long = ref.texts.find(
      (t) => t.input_ids.length === MAX_LEN && t.input_ids.at(-1) !== EOS,
    );
    assert.ok(long, "the reference has an over-long text");
    const ids = model.tokenizer.encode(long.text);
    assert.equal(ids.length, MAX_LEN);
    assert.deepEqual(ids.slice(0, MAX_LEN - 1), long.input_ids.slice(0, MAX_LEN - 1));
    assert.equal(ids[MAX_LEN - 1], EOS);
  });

  it("text embeddings match (cosine ≥ 0.9999), batched and padded", async () => {
    const texts = ref.texts.filter((t) => t.input_ids.at(-1) === EOS);
    const embs = await model.embedTexts(
      texts.map((t) => t.text),
      { batchSize: 4, normalize: false },
    );
    texts.forEach((t, i) => {
      assert.ok(
        cosine(embs[i], t.text_embeds) >= 0.9999,
        `${t.text}: ${cosine(embs[i], t.text_embeds)}`,
      );
      const rel = Math.abs(Math.hypot(...embs[i]) / Math.hypot(...t.text_embeds) - 1);
      assert.ok(rel < 1e-3, `norm of ${t.text} off by ${rel}`);
    });
  });

  it("image embeddings through our decode + preprocessing match (cosine ≥ 0.9999)", async () => {
    const files = ref.images.map((im) => join(tinyClipDir!, "reference-images", im.file));
    const results = await model.embedImages(files, {
      batchSize: 4,
      exifOrientation: false,
      normalize: false,
    });
    ref.images.forEach((im, i) => {
      const r = results[i];
      assert.ok(r.embedding, `${im.file}: ${r.error}`);
      const c = cosine(r.embedding, im.image_embeds);
      assert.ok(c >= 0.9999, `${im.file}: cosine ${c}`);
    });
  });

  it("`zeroclip classify` prints the reference probabilities", async () => {
    const frog = ref.images.find((im) => im.file.includes("tree_frog"))!;
    const tailed = ref.images.find((im) => im.file.includes("tailed_frog"))!;
    const textOf = (s: string) => ref.texts.find((t) => t.text === s)!.text_embeds;
    const classes = [textOf("a photo of a tree frog"), textOf("a photo of a tailed frog")];
    const expected = (img: number[]) =>
      softmax(classes.map((c) => ref.logit_scale * cosine(img, c)));
    const run = await runCli([
      "classify",
      join(tinyClipDir!, "reference-images", frog.file),
      join(tinyClipDir!, "reference-images", tailed.file),
      "--model",
      tinyClipDir!,
      "--labels",
      "tree frog,tailed frog",
      "--template",
      "a photo of a {}",
      "--format",
      "jsonl",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const records = parseJsonl(run.stdout) as { predictions: { label: string; score: number }[] }[];
    for (const [k, img] of [frog, tailed].entries()) {
      const want = expected(img.image_embeds);
      const got = records[k].predictions;
      assert.equal(got.length, 2);
      for (const [c, label] of ["tree frog", "tailed frog"].entries()) {
        const p = got.find((g) => g.label === label)!.score;
        assert.ok(Math.abs(p - want[c]) < 2e-3, `${img.file} ${label}: ${p} vs ${want[c]}`);
      }
    }
  });
});
