/**
 * Reference tokenizers for the SigLIP fixtures, written from transformers' SiglipTokenizer,
 * GemmaTokenizer and Siglip2Tokenizer and independent of the tokenizer.json pipeline: they read
 * only the vocabulary (Unigram pieces and scores, or BPE vocabulary and merges) from the
 * fixture's tokenizer.json and implement the rest by brute force.
 *
 * SigLIP (v1): lowercase (do_lower_case) → remove Python's string.punctuation → collapse
 * whitespace runs to one space → strip → each space-separated word as "▁word" → Unigram
 * Viterbi (best sum of log-probability scores; a character no piece covers is <unk>, scored
 * min score − 10, and runs of <unk> fuse into one) → `</s>` → truncate keeping `</s>` last →
 * pad with `</s>` (the pad token) to 64.
 *
 * SigLIP 2: lowercase (Siglip2Tokenizer) → " " → "▁" → characters (unknown ones as UTF-8
 * <0xXX> byte tokens) → BPE (merge the lowest-ranked adjacent pair, leftmost first, until none
 * applies) → `<bos>` if add_bos_token, `<eos>` if add_eos_token → truncate keeping them →
 * pad with `<pad>` to 64.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Python's string.punctuation. */
export const PYTHON_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** SiglipTokenizer.canonicalize_text after lowercasing. */
export function canonicalizeSiglip(text: string, lowercase = true): string {
  let t = lowercase ? text.toLowerCase() : text;
  t = Array.from(t)
    .filter((c) => !PYTHON_PUNCTUATION.includes(c))
    .join("");
  return t.replace(/\s+/gu, " ").trim();
}

export interface UnigramVocab {
  pieces: Map<string, { id: number; score: number }>;
  unkId: number;
  unkScore: number;
}

export function unigramVocabFrom(tokenizerJson: {
  model: { vocab: [string, number][]; unk_id: number };
}): UnigramVocab {
  const pieces = new Map<string, { id: number; score: number }>();
  let min = Number.POSITIVE_INFINITY;
  tokenizerJson.model.vocab.forEach(([p, score], id) => {
    pieces.set(p, { id, score });
    min = Math.min(min, score);
  });
  return { pieces, unkId: tokenizerJson.model.unk_id, unkScore: min - 10 };
}

/** Best segmentation of one "▁word" (code points) by Viterbi; consecutive <unk> fused. */
export function unigramSegment(word: string, v: UnigramVocab): number[] {
  const chars = Array.from(word);
  const n = chars.length;
  const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
  const back: { start: number; id: number }[] = new Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    for (let start = 0; start < end; start++) {
      if (best[start] === Number.NEGATIVE_INFINITY) continue;
      const piece = v.pieces.get(chars.slice(start, end).join(""));
      let cand: { score: number; id: number } | undefined;
      if (piece) cand = piece;
      else if (end - start === 1) cand = { score: v.unkScore, id: v.unkId };
      if (cand && best[start] + cand.score > best[end]) {
        best[end] = best[start] + cand.score;
        back[end] = { start, id: cand.id };
      }
    }
  }
  const ids: number[] = [];
  for (let end = n; end > 0; end = back[end].start) ids.push(back[end].id);
  ids.reverse();
  return ids.filter((id, i) => !(id === v.unkId && ids[i - 1] === v.unkId));
}

/** Pads or truncates content ids to `length` with the special tokens around them. */
export function frame(
  content: number[],
  opts: { bos?: number; eos?: number; pad: number; length: number },
): number[] {
  const prefix = opts.bos === undefined ? [] : [opts.bos];
  const suffix = opts.eos === undefined ? [] : [opts.eos];
  const room = opts.length - prefix.length - suffix.length;
  const ids = [...prefix, ...content.slice(0, room), ...suffix];
  while (ids.length < opts.length) ids.push(opts.pad);
  return ids;
}

/** SigLIP v1 ids: canonicalize, Unigram per word, `</s>`, padded with `</s>` to `length`. */
export function siglipReferenceIds(
  text: string,
  v: UnigramVocab,
  eos: number,
  length = 64,
): number[] {
  const words = canonicalizeSiglip(text)
    .split(" ")
    .filter((w) => w.length > 0);
  const content = words.flatMap((w) => unigramSegment(`▁${w}`, v));
  return frame(content, { eos, pad: eos, length });
}

export interface BpeVocab {
  vocab: Map<string, number>;
  ranks: Map<string, number>;
}

export function bpeVocabFrom(tokenizerJson: {
  model: { vocab: Record<string, number>; merges: ([string, string] | string)[] };
}): BpeVocab {
  const ranks = new Map<string, number>();
  tokenizerJson.model.merges.forEach((m, i) => {
    const [a, b] = typeof m === "string" ? m.split(" ") : m;
    ranks.set(`${a}\u0000${b}`, i);
  });
  return { vocab: new Map(Object.entries(tokenizerJson.model.vocab)), ranks };
}

const utf8 = new TextEncoder();

/** Gemma BPE with byte fallback over one normalized string. */
export function bpeIds(normalized: string, v: BpeVocab): number[] {
  const syms: string[] = [];
  for (const c of Array.from(normalized)) {
    if (v.vocab.has(c)) syms.push(c);
    else {
      for (const byte of utf8.encode(c)) {
        syms.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
      }
    }
  }
  for (;;) {
    let at = -1;
    let rank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < syms.length; i++) {
      const r = v.ranks.get(`${syms[i]}\u0000${syms[i + 1]}`);
      if (r !== undefined && r < rank) {
        rank = r;
        at = i;
      }
    }
    if (at < 0) break;
    syms.splice(at, 2, syms[at] + syms[at + 1]);
  }
  return syms.map((s) => {
    const id = v.vocab.get(s);
    if (id === undefined) throw new Error(`BPE produced ${s}, not in the vocabulary`);
    return id;
  });
}

export interface GemmaPolicy {
  lowercase: boolean;
  addBos: boolean;
  addEos: boolean;
  bos: number;
  eos: number;
  pad: number;
  length: number;
}

/** SigLIP 2 ids: lowercase, " " → "▁", BPE, <bos>/<eos> per the config, padded with <pad>. */
export function siglip2ReferenceIds(text: string, v: BpeVocab, p: GemmaPolicy): number[] {
  const t = p.lowercase ? text.toLowerCase() : text;
  const content = bpeIds(t.replaceAll(" ", "▁"), v);
  return frame(content, {
    bos: p.addBos ? p.bos : undefined,
    eos: p.addEos ? p.eos : undefined,
    pad: p.pad,
    length: p.length,
  });
}

/** A reference tokenizer for a generated SigLIP / SigLIP 2 model directory. */
export interface ReferenceTokenizer {
  family: "siglip" | "siglip2";
  /** Ids as Hugging Face Python gives them with padding="max_length", truncation=True. */
  encode(text: string): number[];
}

/**
 * Reads the vocabulary from `dir`/tokenizer.json and the policy from tokenizer_config.json
 * (SiglipTokenizer → SigLIP; GemmaTokenizer → SigLIP 2, lowercased as Siglip2Tokenizer does).
 * Sequences are `length` long (the text tower's position table, 64).
 */
export async function loadReferenceTokenizer(
  dir: string,
  length = 64,
): Promise<ReferenceTokenizer> {
  const tj = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
  const tc = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
  if (tc.tokenizer_class === "SiglipTokenizer") {
    const v = unigramVocabFrom(tj);
    const eos = v.pieces.get(tc.eos_token)?.id;
    if (eos === undefined) throw new Error(`${tc.eos_token} not in the vocabulary`);
    return { family: "siglip", encode: (t) => siglipReferenceIds(t, v, eos, length) };
  }
  if (tc.tokenizer_class === "GemmaTokenizer") {
    const v = bpeVocabFrom(tj);
    const id = (t: string) => {
      const i = v.vocab.get(t);
      if (i === undefined) throw new Error(`${t} not in the vocabulary`);
      return i;
    };
    const policy: GemmaPolicy = {
      lowercase: true,
      addBos: tc.add_bos_token === true,
      addEos: tc.add_eos_token === true,
      bos: id(tc.bos_token),
      eos: id(tc.eos_token),
      pad: id(tc.pad_token),
      length,
    };
    return { family: "siglip2", encode: (t) => siglip2ReferenceIds(t, v, policy) };
  }
  throw new Error(`no reference tokenizer for ${tc.tokenizer_class}`);
}

/**
 * Sentences for id parity: capitals, punctuation, extra and odd whitespace, empty results,
 * numbers, apostrophes, non-ASCII (German, Spanish, French, Russian, Chinese), and two that
 * run past 64 tokens.
 */
export const SIGLIP_TEST_SENTENCES: readonly string[] = [
  "a photo of a cat",
  "This is a photo of a Cat.",
  "This is a photo of a dog",
  "A PHOTO OF A DOG!!!",
  "  leading and   trailing   spaces  ",
  "tabs\tand\nnew lines",
  "cats-and-dogs, (photos) & 'quotes' \"double\"",
  "it's the dog's toy",
  "3 dogs and 12 cats",
  "",
  "!!!",
  "Ein Foto von einer Katze über dem Hund",
  "Una foto de un niño, ¿qué es?",
  "café crème brûlée",
  "фото кошка и собака",
  "一张猫的照片",
  `a photo of a ${"very ".repeat(80)}big dog`,
  Array.from({ length: 70 }, (_, i) => (i % 2 === 0 ? "cat" : "Dog")).join(" "),
];
