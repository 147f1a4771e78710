/**
 * A small CLIP-style byte-level BPE tokenizer with the same tokenizer.json structure as
 * openai/clip-vit-base-patch32 (NFC + whitespace + lowercase normaliser, CLIP split regex +
 * ByteLevel pre-tokenizer, BPE with "</w>" end-of-word suffix, RobertaProcessing).
 *
 * Ids: 0–255 the byte-level symbols in GPT-2 bytes_to_unicode order (as CLIP, so single
 * characters get the same ids as the real vocabulary), 256–511 the same with "</w>", then merge
 * results for a list of common English words, then unreachable filler tokens up to the requested
 * size, and `<|startoftext|>`, `<|endoftext|>` as the two last ids, so EOS is the largest id and
 * argmax pooling finds it.
 */

export const BOS = "<|startoftext|>";
export const EOS = "<|endoftext|>";

/** Files copied by `tokenizerFrom` (tokenizer.json is required, the others optional). */
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.json",
  "merges.txt",
];

/** Words that tokenize to a single token each. */
export const TOKENIZER_WORDS: readonly string[] = (
  "a an the of in on at with and or is are this that it its my there here one two three some " +
  "photo picture image drawing painting sketch cartoon rendering sculpture art tattoo origami " +
  "toy plastic embroidered video game close up low resolution high quality cropped blurry " +
  "bright dark clean dirty jpeg pixelated good bad nice weird cool large big small little " +
  "red green blue yellow black white brown orange pink purple gray " +
  "frog tree cat dog bird fish horse cow sheep deer bear lion tiger elephant monkey mouse " +
  "car truck bus bicycle airplane plane ship boat train house building bridge road street " +
  "flower plant leaf grass forest mountain beach sea sky cloud water snow rain sun moon " +
  "person man woman child baby people face hand food apple banana pizza cake cup chair table " +
  "computer phone book clock ball kind type 's 't 're 've 'm 'll 'd"
).split(" ");

const textEncoder = new TextEncoder();

/** GPT-2 / CLIP byte → printable unicode character mapping, in vocabulary order. */
export function byteLevelAlphabet(): { order: string[]; byByte: string[] } {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const byByte: string[] = new Array(256);
  const order: string[] = [];
  for (const b of printable) {
    byByte[b] = String.fromCodePoint(b);
    order.push(byByte[b]);
  }
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (byByte[b] === undefined) {
      byByte[b] = String.fromCodePoint(256 + extra++);
      order.push(byByte[b]);
    }
  }
  return { order, byByte };
}

/** Splits a word into byte-level symbols, the last one carrying "</w>". */
function symbols(word: string, byByte: string[]): string[] {
  const syms = Array.from(textEncoder.encode(word), (b) => byByte[b]);
  syms[syms.length - 1] += "</w>";
  return syms;
}

/** BPE: repeatedly merge the adjacent pair with the lowest rank (leftmost on ties). */
export function bpe(syms: string[], ranks: Map<string, number>): string[] {
  const parts = [...syms];
  for (;;) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(`${parts[i]} ${parts[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return parts;
    parts.splice(best, 2, parts[best] + parts[best + 1]);
  }
}

interface Bpe {
  vocab: string[];
  merges: string[];
}

function buildBpe(): Bpe {
  const { order, byByte } = byteLevelAlphabet();
  const vocab = [...order, ...order.map((s) => `${s}</w>`)];
  const known = new Set(vocab);
  const merges: string[] = [];
  const ranks = new Map<string, number>();
  const addMerge = (a: string, b: string) => {
    const key = `${a} ${b}`;
    if (ranks.has(key)) return;
    ranks.set(key, merges.length);
    merges.push(key);
    if (!known.has(a + b)) {
      known.add(a + b);
      vocab.push(a + b);
    }
  };
  // Left-to-right merge chains for each word, then repair words that earlier merges split
  // differently: appending a merge of the first two pieces never affects words that are
  // already a single token (they have no pairs left).
  for (const w of TOKENIZER_WORDS) {
    const syms = symbols(w, byByte);
    let acc = syms[0];
    for (const s of syms.slice(1)) {
      addMerge(acc, s);
      acc += s;
    }
  }
  for (const w of TOKENIZER_WORDS) {
    for (let parts = bpe(symbols(w, byByte), ranks); parts.length > 1; ) {
      addMerge(parts[0], parts[1]);
      parts = bpe(symbols(w, byByte), ranks);
    }
  }
  return { vocab, merges };
}

/** Smallest vocabulary size the generated tokenizer supports. */
export function minTokenizerVocabSize(): number {
  return buildBpe().vocab.length + 2;
}

function vocabJson(tokens: string[]): string {
  return `{${tokens.map((t, i) => `${JSON.stringify(t)}:${i}`).join(",")}}`;
}

function addedToken(content: string, normalized: boolean) {
  return {
    __type: "AddedToken",
    content,
    lstrip: false,
    normalized,
    rstrip: false,
    single_word: false,
  };
}

/** The tokenizer files (name → content) for a vocabulary of exactly `vocabSize` tokens. */
export function generateTokenizerFiles(vocabSize: number, maxLength: number): Map<string, string> {
  const { vocab, merges } = buildBpe();
  const min = vocab.length + 2;
  if (vocabSize < min) throw new Error(`generated tokenizer needs vocabSize >= ${min}`);
  for (let i = 0; vocab.length < vocabSize - 2; i++) vocab.push(`<|unused_${i}|>`);
  vocab.push(BOS, EOS);
  const bosId = vocabSize - 2;
  const eosId = vocabSize - 1;
  const special = (id: number, content: string, normalized: boolean) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized,
    special: true,
  });
  const placeholder = "@@VOCAB@@";
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(bosId, BOS, true), special(eosId, EOS, false)],
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "NFC" },
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Lowercase" },
      ],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        {
          type: "Split",
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: "Removed",
          invert: true,
        },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: [EOS, eosId],
      cls: [BOS, bosId],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      vocab: placeholder,
      merges,
    },
  };
  const vocabText = vocabJson(vocab);
  const tokenizerJson = JSON.stringify(tokenizer).replace(`"${placeholder}"`, () => vocabText);
  const tokenizerConfig = {
    add_prefix_space: false,
    bos_token: addedToken(BOS, true),
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: addedToken(EOS, true),
    errors: "replace",
    model_max_length: maxLength,
    pad_token: EOS,
    processor_class: "CLIPProcessor",
    tokenizer_class: "CLIPTokenizer",
    unk_token: addedToken(EOS, true),
  };
  const strip = ({ __type, ...rest }: ReturnType<typeof addedToken>) => rest;
  const specialTokensMap = {
    bos_token: strip(addedToken(BOS, true)),
    eos_token: strip(addedToken(EOS, true)),
    pad_token: EOS,
    unk_token: strip(addedToken(EOS, true)),
  };
  return new Map([
    ["tokenizer.json", tokenizerJson],
    ["tokenizer_config.json", `${JSON.stringify(tokenizerConfig, null, 2)}\n`],
    ["special_tokens_map.json", `${JSON.stringify(specialTokensMap, null, 2)}\n`],
    ["vocab.json", vocabText],
    ["merges.txt", `#version: 0.2\n${merges.join("\n")}\n`],
  ]);
}
