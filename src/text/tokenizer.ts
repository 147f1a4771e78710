import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { ModelError } from "../util/errors.js";

/**
 * How a family turns text into the text tower's ids, around tokenizer.json's own pipeline
 * (normalizer, pre-tokenizer, model). Data, so that a family states it in a few lines.
 */
export interface TokenizerPolicy {
  /** Applied to each text before tokenizer.json's pipeline (SigLIP's canonicalization). */
  canonicalize?: (text: string) => string;
  /**
   * Special tokens: "post-processor" keeps what tokenizer.json's post-processor adds (CLIP's
   * BOS … EOS); otherwise the ids are encoded without them and BOS / EOS are added here, each as
   * the family's rule says (a function reads tokenizer_config.json's `add_bos_token` and
   * `add_eos_token`, as Gemma's tokenizer does).
   */
  special: "post-processor" | ((config: Record<string, unknown>) => { bos: boolean; eos: boolean });
  /** End-of-text token when tokenizer_config.json names none. */
  defaultEos: string;
  /** Pad every text to exactly `maxLength` (SigLIP) rather than a batch to its longest (CLIP). */
  padToMaxLength: boolean;
  /** `padding_side` when tokenizer_config.json gives none. */
  padSide: "right" | "left";
}

/** CLIP's policy: tokenizer.json's post-processor adds BOS/EOS; batches pad to their longest. */
export const CLIP_TOKENIZER_POLICY: TokenizerPolicy = {
  special: "post-processor",
  defaultEos: "<|endoftext|>",
  padToMaxLength: false,
  padSide: "right",
};

/** A batch of ids ready for the text tower: rows x width int64, with its attention mask. */
export interface TokenBatch {
  data: BigInt64Array;
  mask: BigInt64Array;
  width: number;
}

/**
 * Tokenization with ids identical to Hugging Face's for each family: the model's tokenizer.json
 * run by @huggingface/tokenizers (CLIP: NFC, whitespace collapse, lowercase, CLIP's split regex,
 * byte-level BPE, BOS/EOS; SigLIP: canonicalization, then SentencePiece's Unigram or Gemma's BPE
 * with the family's BOS/EOS), truncation to `maxLength` keeping EOS last, and the family's
 * padding (`pad`).
 */
export class TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly policy: TokenizerPolicy,
    /** Longest sequence the text model accepts, special tokens included (77 for CLIP). */
    readonly maxLength: number,
    /** End-of-text id: kept last when a text is truncated. */
    readonly eosId: number,
    /** Id used for padding. */
    readonly padId: number,
    private readonly bosId: number | undefined,
    private readonly addBos: boolean,
    private readonly addEos: boolean,
    readonly padSide: "right" | "left",
  ) {}

  /**
   * Load tokenizer.json and tokenizer_config.json from a model directory. `maxPositions` is the
   * text tower's position table; a `model_max_length` above it (1e30 means "no limit") yields to it.
   */
  static async load(
    dir: string,
    maxPositions?: number,
    policy: TokenizerPolicy = CLIP_TOKENIZER_POLICY,
  ): Promise<TextTokenizer> {
    return TextTokenizer.loadSync(dir, maxPositions, policy);
  }

  /** `load`, synchronously (ClipModel builds its tokenizer on first use). */
  static loadSync(
    dir: string,
    maxPositions?: number,
    policy: TokenizerPolicy = CLIP_TOKENIZER_POLICY,
  ): TextTokenizer {
    const json = readJson(dir, "tokenizer.json", true);
    const config = readJson(dir, "tokenizer_config.json", false);
    const tokenizer = new Tokenizer(json, config);
    const id = (t: unknown): number | undefined => {
      const name = typeof t === "string" ? t : (t as { content?: string } | undefined)?.content;
      return name === undefined ? undefined : tokenizer.token_to_id(name);
    };
    const eos = id(config.eos_token) ?? id(policy.defaultEos);
    if (eos === undefined) throw new ModelError(`tokenizer in ${dir} has no end-of-text token`);
    const pad = id(config.pad_token) ?? eos;
    const configMax = typeof config.model_max_length === "number" ? config.model_max_length : 77;
    const maxLength = Math.min(configMax, maxPositions ?? 77);
    const side = config.padding_side === "left" || config.padding_side === "right";
    const padSide = side ? (config.padding_side as "left" | "right") : policy.padSide;
    let addBos = false;
    let addEos = false;
    let bos: number | undefined;
    if (policy.special !== "post-processor") {
      ({ bos: addBos, eos: addEos } = policy.special(config));
      bos = id(config.bos_token);
      if (addBos && bos === undefined) {
        throw new ModelError(`tokenizer in ${dir} adds a BOS token but names none`);
      }
    }
    const room = (addBos ? 1 : 0) + (addEos ? 1 : 0);
    if (maxLength <= room) {
      throw new ModelError(
        `tokenizer in ${dir}: a max length of ${maxLength} leaves no room for text beside its special tokens`,
      );
    }
    return new TextTokenizer(tokenizer, policy, maxLength, eos, pad, bos, addBos, addEos, padSide);
  }

  /** Token ids of one text (special tokens included), at most `maxLength` long, EOS kept last. */
  encode(text: string): number[] {
    const input = this.policy.canonicalize ? this.policy.canonicalize(text) : text;
    if (this.policy.special === "post-processor") {
      const ids = this.tokenizer.encode(input).ids;
      if (ids.length <= this.maxLength) return ids;
      const out = ids.slice(0, this.maxLength - 1);
      out.push(this.eosId);
      return out;
    }
    // Truncation leaves room for the special tokens, which are added after it (as HF does).
    const room = this.maxLength - (this.addBos ? 1 : 0) - (this.addEos ? 1 : 0);
    const ids = this.tokenizer.encode(input, { add_special_tokens: false }).ids.slice(0, room);
    if (this.addBos) ids.unshift(this.bosId as number);
    if (this.addEos) ids.push(this.eosId);
    return ids;
  }

  /**
   * Pads rows of ids into one batch: to `maxLength` when the family pads to the position table
   * (SigLIP's towers pool the last position, so padding is part of the input), else to the
   * longest row; on the tokenizer's padding side. The mask is 1 on ids, 0 on padding.
   */
  pad(rows: readonly (readonly number[])[]): TokenBatch {
    const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
    const width = this.policy.padToMaxLength ? Math.max(this.maxLength, longest) : longest;
    const data = new BigInt64Array(rows.length * width).fill(BigInt(this.padId));
    const mask = new BigInt64Array(rows.length * width);
    rows.forEach((row, r) => {
      const start = r * width + (this.padSide === "left" ? width - row.length : 0);
      for (let i = 0; i < row.length; i++) data[start + i] = BigInt(row[i]);
      mask.fill(1n, start, start + row.length);
    });
    return { data, mask, width };
  }
}

/** The former name, kept for API stability. */
export { TextTokenizer as ClipTokenizer };

function readJson(dir: string, name: string, required: boolean): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(dir, name), "utf8"));
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ModelError(`cannot read ${name} in ${dir}: ${(err as Error).message}`);
  }
}
