/**
 * The generated SigLIP tokenizers: the reference tokenizer (test/support) against hand-derived
 * expectations, and against Transformers.js and @huggingface/tokenizers loading the fixture's
 * tokenizer.json (SigLIP 2: on lowercased text, the policy Siglip2Tokenizer adds).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { Tokenizer } from "@huggingface/tokenizers";
import { AutoTokenizer, env } from "@huggingface/transformers";
import { ensureSiglipFixture } from "../support/model-gen/siglip/index.js";
import {
  canonicalizeSiglip,
  loadReferenceTokenizer,
  type ReferenceTokenizer,
  SIGLIP_TEST_SENTENCES,
} from "../support/siglip-reference-tokenizer.js";
import { tinyFixture } from "./siglip-helpers.js";

type TjsTokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

async function transformersJs(dir: string): Promise<TjsTokenizer> {
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(dir)}/`;
  return AutoTokenizer.from_pretrained(basename(dir), { local_files_only: true });
}

function tjsIds(tok: TjsTokenizer, text: string): number[] {
  const enc = tok(text, { padding: "max_length", truncation: true, max_length: 64 });
  return Array.from(enc.input_ids.data as BigInt64Array, Number);
}

describe("canonicalizeSiglip (SiglipTokenizer.canonicalize_text + lowercase)", () => {
  it("lowercases, drops string.punctuation, collapses whitespace, strips", () => {
    assert.equal(canonicalizeSiglip("  A PHOTO,  of\ta (Cat)!\n"), "a photo of a cat");
    assert.equal(canonicalizeSiglip("cats-and-dogs"), "catsanddogs");
    assert.equal(canonicalizeSiglip("¿Qué?"), "¿qué");
    assert.equal(canonicalizeSiglip("!!!"), "");
  });
});

for (const family of ["siglip", "siglip2"] as const) {
  describe(`${family} tokenizer`, () => {
    let dir: string;
    let ref: ReferenceTokenizer;
    let vocab: Map<string, number>;
    before(async () => {
      dir = (await tinyFixture(family)).dir;
      ref = await loadReferenceTokenizer(dir);
      const tj = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
      vocab =
        family === "siglip"
          ? new Map(tj.model.vocab.map(([p]: [string, number], i: number) => [p, i]))
          : new Map(Object.entries(tj.model.vocab as Record<string, number>));
    });

    const id = (piece: string) => {
      const i = vocab.get(piece);
      assert.ok(i !== undefined, piece);
      return i;
    };

    it("encodes the template as the vocabulary's whole words, EOS, then padding to 64", () => {
      const got = ref.encode("This is a photo of a Cat.");
      const words =
        family === "siglip"
          ? ["▁this", "▁is", "▁a", "▁photo", "▁of", "▁a", "▁cat", "</s>"]
          : ["this", "▁is", "▁a", "▁photo", "▁of", "▁a", "▁cat", ".", "<eos>"];
      const pad = family === "siglip" ? id("</s>") : id("<pad>");
      assert.deepEqual(got, [...words.map(id), ...Array(64 - words.length).fill(pad)]);
    });

    it("keeps EOS last when truncating to 64", () => {
      const long = ref.encode(SIGLIP_TEST_SENTENCES.at(-1) ?? "");
      assert.equal(long.length, 64);
      assert.equal(long[63], id(family === "siglip" ? "</s>" : "<eos>"));
      assert.ok(!long.slice(0, 63).includes(long[63]) || family === "siglip2");
    });

    it("matches Transformers.js (padding max_length, truncation) on every test sentence", async () => {
      // ...except that Transformers.js truncates after adding EOS, so a text over 63 tokens
      // loses its EOS there, while Python (and the reference) keep EOS last.
      const tok = await transformersJs(dir);
      const eos = id(family === "siglip" ? "</s>" : "<eos>");
      let overflowing = 0;
      for (const text of SIGLIP_TEST_SENTENCES) {
        const input = family === "siglip" ? text : text.toLowerCase();
        const want = ref.encode(text);
        const got = tjsIds(tok, input);
        assert.deepEqual(got.slice(0, 63), want.slice(0, 63), JSON.stringify(text));
        if (got[63] !== want[63]) {
          overflowing++;
          assert.equal(want[63], eos);
          assert.notEqual(got[63], eos);
        }
      }
      assert.equal(overflowing, 2, "the two long test sentences");
    });

    it("matches @huggingface/tokenizers on every test sentence (before padding)", async () => {
      const tj = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
      const tc = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
      const tok = new Tokenizer(tj, tc);
      const pad = family === "siglip" ? id("</s>") : id("<pad>");
      for (const text of SIGLIP_TEST_SENTENCES) {
        const want = ref.encode(text);
        const input = family === "siglip" ? text : text.toLowerCase();
        const got = tok.encode(input).ids;
        if (got.length > 64) continue; // truncation is the tokenizer library's caller's job
        assert.deepEqual([...got, ...Array(64 - got.length).fill(pad)], want, JSON.stringify(text));
      }
    });
  });
}

describe("siglip tiny with a plain tokenizer.json (no lowercasing, punctuation kept)", () => {
  it("gives Python's ids only to a caller that canonicalizes first", async () => {
    const dir = await ensureSiglipFixture("siglip-tiny", { plainTokenizer: true });
    const ref = await loadReferenceTokenizer(dir);
    const tj = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
    const tc = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
    const tok = new Tokenizer(tj, tc);
    const padTo64 = (ids: number[]) => [...ids, ...Array(64 - ids.length).fill(1)];
    let differs = 0;
    for (const text of SIGLIP_TEST_SENTENCES) {
      const canonical = tok.encode(canonicalizeSiglip(text)).ids;
      if (canonical.length > 64) continue;
      assert.deepEqual(padTo64(canonical), ref.encode(text), JSON.stringify(text));
      const raw = tok.encode(text).ids;
      if (raw.length > 64 || JSON.stringify(padTo64(raw)) !== JSON.stringify(ref.encode(text))) {
        differs++;
      }
    }
    assert.ok(differs >= 8, `raw text must tokenize differently for most sentences (${differs})`);
  });
});
