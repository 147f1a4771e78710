/**
 * SHA-256 of a file's content, cheaply: read off the Hugging Face cache when the file is a link
 * to `blobs/<sha256>` (the hub names large-file blobs by their SHA-256), else computed once and
 * remembered in `<zeroclip cache>/file-sha256/`, keyed by real path, size and mtime.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { zeroclipCacheDir } from "./cache-dir.js";
import { hashKey } from "./hash.js";

const HEX64 = /^[0-9a-f]{64}$/;

async function streamSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** SHA-256 (hex) of a file's content. */
export async function fileSha256(path: string, cacheDir = zeroclipCacheDir()): Promise<string> {
  const real = await realpath(path);
  const name = basename(real);
  if (HEX64.test(name) && basename(dirname(real)) === "blobs") return name;
  const st = await stat(real);
  const entry = join(
    cacheDir,
    "file-sha256",
    hashKey({ real, size: st.size, mtimeMs: st.mtimeMs }).slice(0, 32),
  );
  const cached = await readFile(entry, "utf8").catch(() => "");
  if (HEX64.test(cached.trim())) return cached.trim();
  const digest = await streamSha256(real);
  await writeFileAtomic(entry, digest + "\n").catch(() => {});
  return digest;
}
