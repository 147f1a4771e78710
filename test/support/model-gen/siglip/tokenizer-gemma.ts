/**
 * SigLIP 2's tokenizer: a small Gemma-style BPE vocabulary with byte fallback, in the
 * tokenizer.json form of Hugging Face's Gemma converter:
 *
 *   normalizer     Replace " " → "▁" (no dummy prefix, no whitespace collapsing)
 *   pre_tokenizer  none (the whole text is one BPE word)
 *   model          BPE, byte_fallback (unknown characters become <0xXX> byte tokens),
 *                  fuse_unk, unk "<unk>"
 *   post_processor TemplateProcessing "$A <eos>" — what GemmaTokenizerFast builds from the
 *                  checkpoint's add_bos_token false / add_eos_token true
 *
 * Ids as in Gemma: 0 <pad>, 1 <eos>, 2 <bos>, 3 <unk>, 4 <mask>, then the 256 byte tokens,
 * characters, merge results, and unreachable `<unusedN>` fillers. The merges make every known
 * word one token, both "▁"-initial (after a space) and bare (at the start of the text).
 */
import { bpe } from "../tokenizer.js";
import { CAPTION_WORDS, CHARACTERS, GEMMA_PUNCTUATION } from "./words.js";

export const GEMMA_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"] as const;

export function byteToken(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}

interface GemmaVocab {
  vocab: Map<string, number>;
  merges: [string, string][];
}

function baseVocab(): GemmaVocab {
  const vocab = new Map<string, number>();
  const add = (t: string) => {
    if (!vocab.has(t)) vocab.set(t, vocab.size);
  };
  for (const s of GEMMA_SPECIALS) add(s);
  for (let b = 0; b < 256; b++) add(byteToken(b));
  add("▁");
  for (const c of [...CHARACTERS, ...GEMMA_PUNCTUATION]) add(c);
  // Each word must come out as one token: run BPE with the merges so far, then merge what is
  // left of the word from left to right with new (higher-ranked) merges. Earlier words keep
  // their single token, since their merges always outrank the new ones.
  const merges: [string, string][] = [];
  const ranks = new Map<string, number>();
  const learn = (word: string) => {
    const parts = bpe(Array.from(word), ranks);
    let left = parts[0];
    for (const right of parts.slice(1)) {
      ranks.set(`${left} ${right}`, merges.length);
      merges.push([left, right]);
      left += right;
      add(left);
    }
  };
  for (const w of CAPTION_WORDS) learn(`▁${w}`);
  for (const w of CAPTION_WORDS) learn(w);
  return { vocab, merges };
}

/** The smallest vocabulary size the Gemma-style tokenizer can have. */
export const MIN_GEMMA_VOCAB: number = baseVocab().vocab.size;

/** Vocabulary (token → id, exactly `size` entries) and merges. */
export function gemmaVocab(size: number): GemmaVocab {
  const v = baseVocab();
  if (v.vocab.size > size) {
    throw new Error(`a SigLIP 2 vocabulary needs at least ${v.vocab.size} tokens, got ${size}`);
  }
  for (let i = 0; v.vocab.size < size; i++) v.vocab.set(`<unused${i}>`, v.vocab.size);
  return v;
}

const added = (id: number, content: string) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

/** tokenizer.json of a SigLIP 2 model with `size` tokens. */
export function gemmaTokenizerJson(size: number): object {
  const { vocab, merges } = gemmaVocab(size);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: GEMMA_SPECIALS.map((t, i) => added(i, t)),
    normalizer: { type: "Replace", pattern: { String: " " }, content: "▁" },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<eos>", type_id: 0 } },
      ],
      pair: [
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<eos>", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "<eos>", type_id: 1 } },
      ],
      special_tokens: { "<eos>": { id: "<eos>", ids: [1], tokens: ["<eos>"] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}

/** tokenizer_config.json as google/siglip2-base-patch16-224 has it (GemmaTokenizer). */
export function gemmaTokenizerConfig(): object {
  return {
    add_bos_token: false,
    add_eos_token: true,
    added_tokens_decoder: Object.fromEntries(
      GEMMA_SPECIALS.map((t, i) => {
        const { id: _id, ...rest } = added(i, t);
        return [String(i), rest];
      }),
    ),
    bos_token: "<bos>",
    clean_up_tokenization_spaces: false,
    // Present in the SigLIP 2 checkpoints; GemmaTokenizer(Fast) ignores it, Siglip2Tokenizer
    // (transformers v5) lowercases, as the model was trained.
    do_lower_case: true,
    eos_token: "<eos>",
    mask_token: "<mask>",
    // int(1e30), "no limit" (written out in full by pythonJson).
    model_max_length: 1e30,
    pad_token: "<pad>",
    padding_side: "right",
    processor_class: "SiglipProcessor",
    sp_model_kwargs: {},
    spaces_between_special_tokens: false,
    tokenizer_class: "GemmaTokenizer",
    unk_token: "<unk>",
    use_default_system_prompt: false,
  };
}

export function gemmaSpecialTokensMap(): object {
  return {
    bos_token: "<bos>",
    eos_token: "<eos>",
    mask_token: "<mask>",
    pad_token: "<pad>",
    unk_token: "<unk>",
  };
}
