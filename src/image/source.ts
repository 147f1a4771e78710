/**
 * Where images come from: files, folders, http(s) URLs or bytes. IO only; decoding is
 * decode.ts's job. Every failure a user can cause is an `InputError` with a one-line message
 * ending in the offending path or URL.
 */
import { closeSync, type Dirent, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage, InputError } from "../util/errors.js";

/** A file path, an http(s):// (or file://) URL, or the image's bytes. */
export type ImageSource = string | Uint8Array;

export interface FetchOptions {
  /** Whole-download time limit for URLs, in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Largest accepted download or file, in bytes (default 100 MiB). */
  maxBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

/** File extensions (lower case, no dot) that folder expansion treats as images. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  "jpg",
  "jpeg",
  "jpe",
  "jfif",
  "png",
  "webp",
  "gif",
  "tif",
  "tiff",
  "avif",
]);

/** True for http:// and https:// URLs. */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`;
}

async function fetchBytes(url: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal, redirect: "follow" });
    } catch (err) {
      if (timedOut)
        throw new InputError(`timed out after ${timeoutMs} ms: ${url}`, "fetch_timeout");
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? errorMessage(err);
      throw new InputError(`cannot fetch (${why}): ${url}`, "fetch_failed");
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
      throw new InputError(`HTTP ${status}: ${url}`, "fetch_failed");
    }
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new InputError(
        `download of ${mib(declared)} exceeds the ${mib(maxBytes)} limit: ${url}`,
        "input_too_large",
      );
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.length;
          if (total > maxBytes) {
            await reader.cancel().catch(() => {});
            throw new InputError(
              `download exceeds the ${mib(maxBytes)} limit: ${url}`,
              "input_too_large",
            );
          }
          chunks.push(value);
        }
      } catch (err) {
        if (err instanceof InputError) throw err;
        if (timedOut)
          throw new InputError(`timed out after ${timeoutMs} ms: ${url}`, "fetch_timeout");
        throw new InputError(`download failed (${errorMessage(err)}): ${url}`, "fetch_failed");
      }
    }
    if (total === 0) throw new InputError(`empty response (0 bytes): ${url}`, "fetch_failed");
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** A failure to open or read a file as the user's one-line `InputError` (one already is). */
function fileError(err: unknown, path: string): InputError {
  if (err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new InputError(`no such file: ${path}`, "file_not_found");
  if (code === "EISDIR")
    return new InputError(`is a directory, not an image: ${path}`, "file_unreadable");
  return new InputError(`cannot read (${code ?? errorMessage(err)}): ${path}`, "file_unreadable");
}

/** What an opened path's stat must show before it is read. */
function checkStat(st: Stats, path: string, maxBytes: number): void {
  if (st.isDirectory())
    throw new InputError(`is a directory, not an image: ${path}`, "file_unreadable");
  if (!st.isFile()) throw new InputError(`not a regular file: ${path}`, "file_unreadable");
  if (st.size === 0) throw new InputError(`empty file (0 bytes): ${path}`, "file_unreadable");
  if (st.size > maxBytes) {
    throw new InputError(
      `file of ${mib(st.size)} exceeds the ${mib(maxBytes)} limit: ${path}`,
      "input_too_large",
    );
  }
}

function checkRead(buf: Buffer, path: string): Uint8Array {
  if (buf.length === 0) throw new InputError(`empty file (0 bytes): ${path}`, "file_unreadable");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

async function readFileBytes(path: string, maxBytes: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw fileError(err, path);
  }
  try {
    checkStat(await handle.stat(), path, maxBytes);
    return checkRead(await handle.readFile(), path);
  } catch (err) {
    throw fileError(err, path);
  } finally {
    await handle.close();
  }
}

/**
 * `readFileBytes` with blocking calls (same checks, same errors), for the preprocessing worker
 * threads: each handles one image at a time, so nothing waits behind the call, and a small file
 * costs no round trips through libuv's thread pool.
 */
function readFileBytesSync(path: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw fileError(err, path);
  }
  try {
    checkStat(fstatSync(fd), path, maxBytes);
    return checkRead(readFileSync(fd), path);
  } catch (err) {
    throw fileError(err, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of an image source: bytes are returned as given, paths are read, http(s) URLs are
 * downloaded (redirects followed) within `timeoutMs` and `maxBytes`. Throws `InputError` for a
 * missing file, a directory, zero bytes, an HTTP error status, a timeout or an oversized body.
 */
export async function readImageSource(
  src: ImageSource,
  opts: FetchOptions = {},
  /** Read files with blocking calls (worker threads only; URLs are always asynchronous). */
  blocking = false,
): Promise<Uint8Array> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof src !== "string") {
    if (src.length === 0) throw new InputError("empty image bytes (0 bytes)", "image_unreadable");
    if (src.length > maxBytes) {
      throw new InputError(
        `image bytes of ${mib(src.length)} exceed the ${mib(maxBytes)} limit`,
        "input_too_large",
      );
    }
    return src;
  }
  if (isHttpUrl(src)) return fetchBytes(src, timeoutMs, maxBytes);
  const path = /^file:\/\//i.test(src) ? fileURLToPath(src) : src;
  return blocking ? readFileBytesSync(path, maxBytes) : readFileBytes(path, maxBytes);
}

function hasImageExtension(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).slice(1).toLowerCase());
}

/** Image files under `dir`, recursively; hidden entries (".name") skipped, symlink loops cut. */
async function walk(dir: string, seen: Set<string>, out: string[]): Promise<void> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // An unreadable folder becomes an input of its own, so it gets an error record when read
    // ("cannot read (EACCES): …") and the rest of the run goes on.
    out.push(dir);
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await stat(p).catch(() => undefined);
      isDir = st?.isDirectory() ?? false;
      isFile = st?.isFile() ?? false;
    }
    if (isDir) await walk(p, seen, out);
    else if (isFile && hasImageExtension(e.name)) out.push(p);
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Expands folders into the image files below them (by extension, see `IMAGE_EXTENSIONS`,
 * recursively, sorted by path; hidden files and folders skipped). Files, URLs and paths that do
 * not exist are passed through unchanged, in input order, so a missing path becomes an error
 * record when it is read.
 */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (isHttpUrl(input)) {
      out.push(input);
      continue;
    }
    const st = await stat(input).catch(() => undefined);
    if (!st?.isDirectory()) {
      out.push(input);
      continue;
    }
    const found: string[] = [];
    await walk(input, new Set(), found);
    found.sort(byCodePoint);
    out.push(...found);
  }
  return out;
}
