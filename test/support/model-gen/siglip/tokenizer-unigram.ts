/**
 * SigLIP v1's tokenizer: a small SentencePiece Unigram vocabulary in the tokenizer.json form of
 * Hugging Face's SiglipConverter (transformers PR #29969, the converter the Xenova exports'
 * tokenizer.json comes from), ids as in the real spiece.model (0 `<pad>`, 1 `</s>`, 2 `<unk>`):
 *
 *   normalizer     Lowercase → remove Python's string.punctuation → `\s+` → " " → Strip
 *                  (SiglipTokenizer.canonicalize_text; the converter's Precompiled nmt_nfkc step,
 *                  which maps tabs and newlines to spaces, is replaced by the `\s+` rule since no
 *                  SentencePiece charsmap is generated)
 *   pre_tokenizer  Metaspace "▁", prepend_scheme always, split
 *   model          Unigram (log-probability scores, unk_id 2, no byte fallback)
 *   post_processor TemplateProcessing "$A </s>"
 *
 * Scores make whole words beat their pieces, and never tie.
 */
import { CAPTION_WORDS, CHARACTERS, offset, SUBWORD_PIECES } from "./words.js";

export const SIGLIP_PAD = "<pad>";
export const SIGLIP_EOS = "</s>";
export const SIGLIP_UNK = "<unk>";

/** ASCII punctuation (Python's string.punctuation) as a regex character class. */
export const PUNCTUATION_CLASS = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]";

/** The reachable pieces: specials, "▁", words, sub-words, characters. */
function basePieces(): [string, number][] {
  const vocab: [string, number][] = [
    [SIGLIP_PAD, 0],
    [SIGLIP_EOS, 0],
    [SIGLIP_UNK, 0],
  ];
  const seen = new Set(vocab.map(([p]) => p));
  const push = (piece: string, score: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    vocab.push([piece, score]);
  };
  push("▁", -4);
  CAPTION_WORDS.forEach((w, i) => {
    push(`▁${w}`, -5 - offset(i));
  });
  SUBWORD_PIECES.forEach((p, i) => {
    push(p, -7 - offset(i + 500));
  });
  CHARACTERS.forEach((c, i) => {
    push(c, -9 - offset(i + 1000));
  });
  return vocab;
}

/** The smallest vocabulary size the SigLIP v1 tokenizer can have. */
export const MIN_UNIGRAM_VOCAB: number = basePieces().length;

/** [piece, score] pairs in id order, exactly `size` of them. */
export function unigramVocab(size: number): [string, number][] {
  const vocab = basePieces();
  if (vocab.length > size) {
    throw new Error(`a SigLIP vocabulary needs at least ${vocab.length} tokens, got ${size}`);
  }
  // Unreachable fillers: they contain punctuation, which the normalizer removes.
  for (let i = 0; vocab.length < size; i++) vocab.push([`▁[${i}]`, -20 - offset(i + 2000)]);
  return vocab;
}

const special = (id: number, content: string, strip: boolean) => ({
  id,
  content,
  single_word: false,
  lstrip: strip,
  rstrip: strip,
  normalized: false,
  special: true,
});

/**
 * tokenizer.json of a SigLIP v1 model with `size` tokens. With `canonicalize` false the
 * normalizer only collapses whitespace and strips (a plain SentencePiece conversion that leaves
 * lowercasing and punctuation removal to the caller, as the slow SiglipTokenizer does in code):
 * a runtime must then canonicalize by itself to get Python's ids.
 */
export function siglipTokenizerJson(size: number, canonicalize = true): object {
  const metaspace = { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      special(0, SIGLIP_PAD, false),
      special(1, SIGLIP_EOS, true),
      special(2, SIGLIP_UNK, true),
    ],
    normalizer: {
      type: "Sequence",
      normalizers: [
        ...(canonicalize
          ? [
              { type: "Lowercase" },
              { type: "Replace", pattern: { Regex: PUNCTUATION_CLASS }, content: "" },
            ]
          : []),
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Strip", strip_left: true, strip_right: true },
      ],
    },
    pre_tokenizer: metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: SIGLIP_EOS, type_id: 0 } },
      ],
      pair: [
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: SIGLIP_EOS, type_id: 0 } },
        { Sequence: { id: "B", type_id: 0 } },
        { SpecialToken: { id: SIGLIP_EOS, type_id: 0 } },
      ],
      special_tokens: { [SIGLIP_EOS]: { id: SIGLIP_EOS, ids: [1], tokens: [SIGLIP_EOS] } },
    },
    decoder: metaspace,
    model: { type: "Unigram", unk_id: 2, vocab: unigramVocab(size), byte_fallback: false },
  };
}

const addedDecoder = (entries: [number, string, boolean][]) =>
  Object.fromEntries(
    entries.map(([id, content, strip]) => [
      String(id),
      {
        content,
        lstrip: strip,
        normalized: false,
        rstrip: strip,
        single_word: false,
        special: true,
      },
    ]),
  );

/** tokenizer_config.json as google/siglip-base-patch16-224 has it. */
export function siglipTokenizerConfig(): object {
  return {
    added_tokens_decoder: addedDecoder([
      [0, SIGLIP_PAD, false],
      [1, SIGLIP_EOS, true],
      [2, SIGLIP_UNK, true],
    ]),
    additional_special_tokens: [],
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: SIGLIP_EOS,
    model_input_names: ["input_ids"],
    model_max_length: 64,
    pad_token: SIGLIP_EOS,
    processor_class: "SiglipProcessor",
    sp_model_kwargs: {},
    tokenizer_class: "SiglipTokenizer",
    unk_token: SIGLIP_UNK,
  };
}

export function siglipSpecialTokensMap(): object {
  return { eos_token: SIGLIP_EOS, pad_token: SIGLIP_EOS, unk_token: SIGLIP_UNK };
}
