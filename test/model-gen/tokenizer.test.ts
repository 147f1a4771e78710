/** The generated CLIP-style tokenizer loads in @huggingface/tokenizers and behaves like CLIP's. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Tokenizer } from "@huggingface/tokenizers";
import { minTokenizerVocabSize, TINY, VIT_B_32 } from "../support/model-gen/index.js";
import { generateTokenizerFiles, TOKENIZER_WORDS } from "../support/model-gen/tokenizer.js";
import { sharedPath } from "../support/paths.js";

function load(files: Map<string, string>): Tokenizer {
  const json = JSON.parse(files.get("tokenizer.json") as string);
  return new Tokenizer(json, JSON.parse(files.get("tokenizer_config.json") as string));
}

const tiny = generateTokenizerFiles(TINY.vocabSize, TINY.maxPositions);
const tok = load(tiny);

describe("generated tokenizer", () => {
  it("wraps text in <|startoftext|> … <|endoftext|>, the two largest ids", () => {
    const { ids, tokens } = tok.encode("a photo of a tree frog");
    assert.deepEqual(tokens, [
      "<|startoftext|>",
      "a</w>",
      "photo</w>",
      "of</w>",
      "a</w>",
      "tree</w>",
      "frog</w>",
      "<|endoftext|>",
    ]);
    assert.equal(ids[0], TINY.vocabSize - 2);
    assert.equal(ids.at(-1), TINY.vocabSize - 1);
    assert.ok(ids.slice(1, -1).every((id: number) => id < TINY.vocabSize - 2));
  });

  it("normalises like CLIP (lowercase, whitespace) and keeps punctuation and bytes", () => {
    assert.deepEqual(tok.encode("A  PHOTO of\tthe Cat!").tokens.slice(1, -1), [
      "a</w>",
      "photo</w>",
      "of</w>",
      "the</w>",
      "cat</w>",
      "!</w>",
    ]);
    // Unknown words fall back to byte-level pieces; non-ASCII goes through ByteLevel.
    const ids = tok.encode("zebra café 42").ids;
    assert.ok(ids.every((id: number) => id >= 0 && id < TINY.vocabSize));
    assert.equal(tok.decode(ids, { skip_special_tokens: true }), "zebra café 4 2");
  });

  it("gives single characters CLIP's ids and makes every listed word one token", () => {
    assert.equal(tok.token_to_id("!"), 0);
    assert.equal(tok.token_to_id("a</w>"), 320);
    assert.equal(tok.token_to_id("!</w>"), 256);
    for (const w of TOKENIZER_WORDS) {
      assert.equal(tok.encode(w).ids.length, 3, `"${w}" is not a single token`);
    }
  });

  it("has exactly vocabSize tokens, consistent across tokenizer.json, vocab.json, merges.txt", () => {
    const json = JSON.parse(tiny.get("tokenizer.json") as string);
    const vocab = JSON.parse(tiny.get("vocab.json") as string);
    assert.deepEqual(json.model.vocab, vocab);
    const ids = Object.values(vocab) as number[];
    assert.equal(ids.length, TINY.vocabSize);
    assert.deepEqual(
      [...ids].sort((x, y) => x - y),
      Array.from({ length: TINY.vocabSize }, (_, i) => i),
    );
    const merges = (tiny.get("merges.txt") as string).trim().split("\n");
    assert.equal(merges[0], "#version: 0.2");
    assert.deepEqual(merges.slice(1), json.model.merges);
    assert.ok(minTokenizerVocabSize() <= TINY.vocabSize);
    assert.throws(() => generateTokenizerFiles(minTokenizerVocabSize() - 1, 77));
  });

  it("scales to the real vocabulary size (49408) with the same ids for real tokens", () => {
    const big = load(generateTokenizerFiles(VIT_B_32.vocabSize, 77));
    const { ids } = big.encode("a photo of a cat");
    assert.equal(ids[0], 49406);
    assert.equal(ids.at(-1), 49407);
    assert.deepEqual(ids.slice(1, -1), tok.encode("a photo of a cat").ids.slice(1, -1));
  });

  const real = sharedPath("models", "tiny-clip", "vocab.json");
  it("matches the real CLIP vocabulary for the 512 byte-level symbols", {
    skip: !real && "../shared absent",
  }, () => {
    const realVocab = JSON.parse(readFileSync(real as string, "utf8")) as Record<string, number>;
    const ours = JSON.parse(tiny.get("vocab.json") as string) as Record<string, number>;
    const firstReal = Object.entries(realVocab).filter(([, id]) => id < 512);
    assert.equal(firstReal.length, 512);
    for (const [token, id] of firstReal) assert.equal(ours[token], id, token);
    const cfg = JSON.parse(readFileSync(join(real as string, "..", "tokenizer.json"), "utf8"));
    const generated = JSON.parse(tiny.get("tokenizer.json") as string);
    for (const key of ["normalizer", "pre_tokenizer", "decoder"]) {
      assert.deepEqual(generated[key], cfg[key], key);
    }
    assert.equal(generated.post_processor.type, cfg.post_processor.type);
    assert.equal(generated.model.end_of_word_suffix, cfg.model.end_of_word_suffix);
  });
});
