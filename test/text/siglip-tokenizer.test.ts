/**
 * SigLIP and SigLIP 2 tokenizer policies on a hand-made SentencePiece-style tokenizer.json
 * (Unigram + Metaspace, as the Transformers.js exports have), with ids worked out by hand:
 * canonicalization, EOS/BOS per family and per tokenizer_config flags, truncation keeping EOS
 * last, and padding to exactly the position table on the configured side.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SIGLIP, SIGLIP2 } from "../../src/model/families/index.js";
import { canonicalizeText, siglipCanonical } from "../../src/text/canonicalize.js";
import { TextTokenizer } from "../../src/text/tokenizer.js";

const PIECES = ["<pad>", "</s>", "<unk>", "<bos>", "▁", "▁a", "▁photo", "▁of", "▁cat", "!", "▁dog"];
const id = (p: string): number => PIECES.indexOf(p);

/** Unigram with longer pieces more likely, so Viterbi picks whole words. */
function tokenizerJson(): unknown {
  const special = (content: string, i: number) => ({
    id: i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      special("<pad>", 0),
      special("</s>", 1),
      special("<unk>", 2),
      special("<bos>", 3),
    ],
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
    post_processor: null,
    decoder: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
    model: {
      type: "Unigram",
      unk_id: 2,
      vocab: PIECES.map((p, i) => [p, i < 4 ? 0 : -10 + p.length]),
      byte_fallback: false,
    },
  };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function modelDir(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "zeroclip-sp-"));
  dirs.push(dir);
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson()));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
  return dir;
}

const SIGLIP_CONFIG = {
  eos_token: "</s>",
  pad_token: "</s>",
  unk_token: "<unk>",
  model_max_length: 64,
  tokenizer_class: "SiglipTokenizer",
};

describe("SigLIP canonicalization (big_vision's canonicalize_text after lowercasing)", () => {
  it("lowercases, removes string.punctuation, collapses Python whitespace, strips", () => {
    assert.equal(siglipCanonical("  A Photo,  of\ta (CAT)!! "), "a photo of a cat");
    assert.equal(siglipCanonical("it's_a-b.c"), "itsabc");
    // U+001C..U+001F and U+0085 are whitespace to Python; U+FEFF is not.
    assert.equal(canonicalizeText("a\u001c\u0085b\ufeffc"), "a b\ufeffc");
    assert.equal(canonicalizeText("é ü"), "é ü", "non-ASCII letters stay");
  });
});

describe("SigLIP tokenizer", () => {
  it("canonicalizes, appends EOS and pads to exactly 64 with the pad id", async () => {
    const tok = await TextTokenizer.load(modelDir(SIGLIP_CONFIG), 64, SIGLIP.tokenizer);
    const ids = tok.encode("A photo of a CAT!");
    assert.deepEqual(ids, [id("▁a"), id("▁photo"), id("▁of"), id("▁a"), id("▁cat"), id("</s>")]);
    const batch = tok.pad([ids, [id("▁dog"), id("</s>")]]);
    assert.equal(batch.width, 64);
    assert.deepEqual(Array.from(batch.data.slice(0, 7), Number), [...ids, id("</s>")]);
    assert.equal(Number(batch.data[63]), id("</s>"), "right padding with </s>");
    assert.equal(Number(batch.data[64 + 2]), id("</s>"));
    assert.equal(
      batch.mask.slice(64, 128).reduce((s, v) => s + v, 0n),
      2n,
    );
  });

  it("truncates to 63 pieces and keeps EOS last", async () => {
    const tok = await TextTokenizer.load(modelDir(SIGLIP_CONFIG), 64, SIGLIP.tokenizer);
    const ids = tok.encode(Array(100).fill("dog").join(" "));
    assert.equal(ids.length, 64);
    assert.deepEqual(ids.slice(0, 63), Array(63).fill(id("▁dog")));
    assert.equal(ids[63], id("</s>"));
  });

  it("takes the position table when model_max_length is 1e30", async () => {
    const dir = modelDir({ ...SIGLIP_CONFIG, model_max_length: 1e30 });
    const tok = await TextTokenizer.load(dir, 64, SIGLIP.tokenizer);
    assert.equal(tok.maxLength, 64);
  });
});

describe("SigLIP 2 (Gemma) tokenizer", () => {
  const gemma = {
    tokenizer_class: "GemmaTokenizer",
    bos_token: "<bos>",
    eos_token: "</s>",
    pad_token: "<pad>",
  };

  it("honours add_bos_token / add_eos_token, lowercases, keeps punctuation, pads with <pad>", async () => {
    const released = { ...gemma, add_bos_token: false, add_eos_token: true };
    const tok = await TextTokenizer.load(modelDir(released), 64, SIGLIP2.tokenizer);
    const ids = tok.encode("A CAT!");
    assert.deepEqual(ids, [id("▁a"), id("▁cat"), id("!"), id("</s>")]);
    const batch = tok.pad([ids]);
    assert.equal(batch.width, 64);
    assert.equal(Number(batch.data[4]), id("<pad>"));
  });

  it("uses Gemma's defaults (BOS, no EOS) when the flags are absent", async () => {
    const tok = await TextTokenizer.load(modelDir(gemma), 64, SIGLIP2.tokenizer);
    assert.deepEqual(tok.encode("a dog"), [id("<bos>"), id("▁a"), id("▁dog")]);
  });

  it("truncates leaving room for BOS and EOS", async () => {
    const both = { ...gemma, add_bos_token: true, add_eos_token: true };
    const tok = await TextTokenizer.load(modelDir(both), 64, SIGLIP2.tokenizer);
    const ids = tok.encode(Array(80).fill("dog").join(" "));
    assert.equal(ids.length, 64);
    assert.equal(ids[0], id("<bos>"));
    assert.equal(ids[62], id("▁dog"));
    assert.equal(ids[63], id("</s>"));
  });

  it("pads on the left when tokenizer_config.json says so", async () => {
    const left = { ...gemma, add_bos_token: false, add_eos_token: true, padding_side: "left" };
    const tok = await TextTokenizer.load(modelDir(left), 64, SIGLIP2.tokenizer);
    const batch = tok.pad([tok.encode("cat")]);
    assert.equal(Number(batch.data[0]), id("<pad>"));
    assert.deepEqual(Array.from(batch.data.slice(62), Number), [id("▁cat"), id("</s>")]);
    assert.deepEqual(Array.from(batch.mask.slice(61), Number), [0, 1, 1]);
  });
});
