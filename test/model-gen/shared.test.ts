/** With ../shared: a real tokenizer (49408 tokens) and interface parity with a real Xenova CLIP. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  type ClipDims,
  ensureFixtureModel,
  generateClipModel,
  TINY,
} from "../support/model-gen/index.js";
import { sharedPath } from "../support/paths.js";
import { runText, session, tempDir } from "./helpers.js";

const real = sharedPath("models", "tiny-clip");
const DIMS: ClipDims = { ...TINY, vocabSize: 49408 };

describe("generator with a real tokenizer", { skip: !real && "../shared absent" }, () => {
  let dir: string;
  before(async () => {
    dir = join(await tempDir(), "m");
    await generateClipModel(dir, { dims: DIMS, seed: 1, tokenizerFrom: real });
  });

  it("copies the tokenizer files unchanged", async () => {
    for (const f of [
      "tokenizer.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
      "vocab.json",
      "merges.txt",
    ]) {
      const [x, y] = await Promise.all([readFile(join(dir, f)), readFile(join(real as string, f))]);
      assert.ok(x.equals(y), f);
    }
  });

  it("runs real token ids through a 49408-token text model", async () => {
    const ref = JSON.parse(await readFile(join(real as string, "reference.json"), "utf8"));
    const ids: number[] = ref.texts[0].input_ids;
    assert.equal(Math.max(...ids), 49407);
    const out = await runText(await session(join(dir, "onnx", "text_model.onnx")), [ids]);
    assert.deepEqual(out.dims.embeds, [1, 16]);
    assert.ok(out.embeds.every(Number.isFinite));
  });

  it("has the same interface as the real Xenova tiny-clip", async () => {
    for (const f of ["text_model.onnx", "vision_model.onnx"]) {
      const [ours, theirs] = await Promise.all([
        session(join(dir, "onnx", f)),
        session(join(real as string, "onnx", f)),
      ]);
      const describeIo = (s: typeof ours) =>
        [...s.inputMetadata, ...s.outputMetadata].map((m) =>
          m.isTensor ? [m.name, m.type, m.shape.length, typeof m.shape[0]] : [m.name],
        );
      assert.deepEqual(describeIo(ours), describeIo(theirs), f);
    }
  });

  it("ensureFixtureModel takes the vocabulary size from tokenizerFrom", async () => {
    const fixture = await ensureFixtureModel("tiny", {
      tokenizerFrom: real,
      cacheDir: await tempDir(),
    });
    const cfg = JSON.parse(await readFile(join(fixture, "config.json"), "utf8"));
    assert.equal(cfg.text_config.vocab_size, 49408);
    assert.equal(cfg.text_config.hidden_size, TINY.textHidden);
  });

  it("rejects a vocabulary size that does not match the tokenizer", async () => {
    const bad = join(await tempDir(), "bad");
    await assert.rejects(
      generateClipModel(bad, { dims: TINY, seed: 1, tokenizerFrom: real }),
      /49408/,
    );
  });
});
