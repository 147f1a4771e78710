import { existsSync } from "node:fs";
import { appendFile, mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { zeroclipCacheDir } from "../util/cache-dir.js";
import { cacheMaxBytes, capDirectory, touch } from "../util/dir-cap.js";
import { hashKey } from "../util/hash.js";

/** What identifies a stream of LLM samples, apart from the prompt. Never holds the API key. */
export interface SamplingKey {
  /** The endpoint's base URL (credentials in the URL are removed). */
  endpoint: string;
  model: string;
  temperature: number;
  maxTokens: number;
  stop: readonly string[];
}

/** One cached answer: sample `index` of `question` about `label`, as the server returned it. */
export interface CachedAnswer {
  label: string;
  question: string;
  index: number;
  text: string;
}

/** The default LLM answer cache directory: `<zeroclip cache>/llm`. */
export function defaultLlmCacheDir(): string {
  return join(zeroclipCacheDir(), "llm");
}

/** A base URL without credentials, query or trailing slashes: what cache keys use. */
export function endpointId(baseURL: string): string {
  try {
    const u = new URL(baseURL);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/+$/, "");
  } catch {
    return baseURL.replace(/\/+$/, "");
  }
}

function entryKey(label: string, question: string, index: number): string {
  return JSON.stringify([label, question, index]);
}

/**
 * Append-only JSONL cache of raw LLM answers, one file per sampling key
 * (`<dir>/<hash>.jsonl`, with `<hash>.meta.json` naming the key for people), one line per
 * answer. Lines are appended as soon as a response arrives, so a killed run loses at most
 * the requests in flight; a torn last line is ignored on load and sealed before appending.
 * Raw answers are stored (cleaning happens on output), so changing the cleaning needs no
 * new requests.
 */
export class LlmCache {
  private readonly answers = new Map<string, string>();
  private writes: Promise<void> = Promise.resolve();
  private sealed = false;
  /** Bytes in the file (as loaded, plus what this process appended). */
  private bytes = 0;

  private constructor(
    /** The JSONL file. */
    readonly file: string,
    /** The directory's size cap (see util/dir-cap.ts); this file alone is started over past it. */
    readonly maxBytes: number,
  ) {}

  /** Open (or create on first write) the cache of one sampling key in `dir`. */
  static async open(
    dir: string,
    key: SamplingKey,
    maxBytes: number = cacheMaxBytes(),
  ): Promise<LlmCache> {
    const id = { ...key, endpoint: endpointId(key.endpoint), stop: [...key.stop] };
    const hash = hashKey({ version: 1, ...id }).slice(0, 32);
    const cache = new LlmCache(join(dir, `${hash}.jsonl`), maxBytes);
    await mkdir(dir, { recursive: true });
    const meta = join(dir, `${hash}.meta.json`);
    if (!existsSync(meta)) await writeFileAtomic(meta, `${JSON.stringify(id, null, 2)}\n`);
    else await touch(meta);
    await touch(cache.file);
    // Other sampling keys' files, least recently used first, make room for this one.
    await capDirectory(dir, maxBytes, [`${hash}.jsonl`, `${hash}.meta.json`]);
    await cache.load();
    return cache;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        this.sealed = true;
        return;
      }
      throw err;
    }
    this.bytes = Buffer.byteLength(text);
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let e: Partial<CachedAnswer>;
      try {
        e = JSON.parse(line);
      } catch {
        continue; // a torn line from a killed run
      }
      if (
        typeof e.label === "string" &&
        typeof e.question === "string" &&
        Number.isInteger(e.index) &&
        typeof e.text === "string"
      ) {
        this.answers.set(entryKey(e.label, e.question, e.index!), e.text);
      }
    }
    this.sealed = text === "" || text.endsWith("\n");
  }

  /** Number of answers held. */
  get size(): number {
    return this.answers.size;
  }

  get(label: string, question: string, index: number): string | undefined {
    return this.answers.get(entryKey(label, question, index));
  }

  /** Record answers and append them to the file (one write per call); resolves when written. */
  add(entries: readonly CachedAnswer[]): Promise<void> {
    if (entries.length === 0) return this.writes;
    for (const e of entries) this.answers.set(entryKey(e.label, e.question, e.index), e.text);
    const lines = entries
      .map((e) =>
        JSON.stringify({ label: e.label, question: e.question, index: e.index, text: e.text }),
      )
      .join("\n");
    const write = this.writes.then(async () => {
      let prefix = "";
      if (!this.sealed) {
        prefix = (await endsWithNewline(this.file)) ? "" : "\n";
        this.sealed = true;
      }
      const chunk = `${prefix}${lines}\n`;
      const size = Buffer.byteLength(chunk);
      if (this.bytes + size > this.maxBytes) {
        // Over the cap: the file starts over with these answers (the older ones stay in
        // memory for this process; a later run asks for them again).
        await writeFileAtomic(this.file, `${lines}\n`);
        this.bytes = size;
      } else {
        await appendFile(this.file, chunk);
        this.bytes += size;
      }
    });
    // Keep the chain alive after a failed write; the caller still sees the error.
    this.writes = write.catch(() => {});
    return write;
  }

  /** Wait for pending writes. */
  flush(): Promise<void> {
    return this.writes;
  }
}

async function endsWithNewline(file: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(file, "r");
    const { size } = await fh.stat();
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  } finally {
    await fh?.close();
  }
}

/** An in-memory stand-in when caching is off. */
export class MemoryCache {
  private readonly answers = new Map<string, string>();
  get size(): number {
    return this.answers.size;
  }
  get(label: string, question: string, index: number): string | undefined {
    return this.answers.get(entryKey(label, question, index));
  }
  add(entries: readonly CachedAnswer[]): Promise<void> {
    for (const e of entries) this.answers.set(entryKey(e.label, e.question, e.index), e.text);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

export type AnswerStore = Pick<LlmCache, "get" | "add" | "flush" | "size">;
