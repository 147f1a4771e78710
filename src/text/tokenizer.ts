import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { ModelError } from "../util/errors.js";

/**
 * CLIP tokenization with ids identical to Hugging Face's CLIPTokenizerFast: the model's
 * tokenizer.json run by @huggingface/tokenizers (NFC, whitespace collapse, lowercase, CLIP's split
 * regex, byte-level BPE with `</w>`, BOS/EOS), then truncation to `maxLength` keeping EOS last.
 */
export class ClipTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    /** Longest sequence the text model accepts, special tokens included (77 for CLIP). */
    readonly maxLength: number,
    /** End-of-text id: kept last when a text is truncated. */
    readonly eosId: number,
    /** Id used to pad a batch to its longest sequence. */
    readonly padId: number,
  ) {}

  /** Load tokenizer.json and tokenizer_config.json from a model directory. */
  static async load(dir: string, maxPositions?: number): Promise<ClipTokenizer> {
    return ClipTokenizer.loadSync(dir, maxPositions);
  }

  /** `load`, synchronously (ClipModel builds its tokenizer on first use). */
  static loadSync(dir: string, maxPositions?: number): ClipTokenizer {
    const readJson = (name: string, required: boolean): Record<string, unknown> => {
      try {
        return JSON.parse(readFileSync(join(dir, name), "utf8"));
      } catch (err) {
        if (!required && (err as NodeJS.ErrnoException).code === "ENOENT") return {};
        throw new ModelError(`cannot read ${name} in ${dir}: ${(err as Error).message}`);
      }
    };
    const json = readJson("tokenizer.json", true);
    const config = readJson("tokenizer_config.json", false);
    const tokenizer = new Tokenizer(json, config);
    const tokenName = (t: unknown): string | undefined =>
      typeof t === "string" ? t : (t as { content?: string } | undefined)?.content;
    const eos = tokenizer.token_to_id(tokenName(config.eos_token) ?? "<|endoftext|>");
    if (eos === undefined) throw new ModelError(`tokenizer in ${dir} has no end-of-text token`);
    const pad = tokenizer.token_to_id(tokenName(config.pad_token) ?? "") ?? eos;
    const configMax = typeof config.model_max_length === "number" ? config.model_max_length : 77;
    // tokenizer_config sometimes says 1e30 ("no limit"); the position table is the real bound.
    const maxLength = Math.min(configMax, maxPositions ?? 77);
    return new ClipTokenizer(tokenizer, maxLength, eos, pad);
  }

  /** Token ids of one text, BOS … EOS, at most `maxLength` long with EOS last. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.maxLength) return ids;
    const out = ids.slice(0, this.maxLength - 1);
    out.push(this.eosId);
    return out;
  }
}
