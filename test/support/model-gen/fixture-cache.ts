/**
 * The fixture cache every generator shares: a model is written once into
 * `<cacheDir>/<name>-<hash of its key>` and reused. Safe under concurrency, across processes
 * (write into a temporary directory, then rename it into place; a loser of the race keeps the
 * winner's copy) and within one (callers of the same directory share one promise).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../paths.js";

const inFlight = new Map<string, Promise<string>>();

/** The default fixture folder: `<repo>/.cache/fixtures`. */
export function defaultFixtureDir(): string {
  return join(repoRoot, ".cache", "fixtures");
}

/**
 * The directory of the fixture `name` whose options are `key` (a JSON string, also written as
 * `fixture.json`), calling `write(tmp)` to make it when it does not exist yet.
 */
export function cachedFixture(
  name: string,
  key: string,
  cacheDir: string | undefined,
  write: (tmp: string) => Promise<void>,
): Promise<string> {
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 12);
  const root = cacheDir ?? defaultFixtureDir();
  const dir = join(root, `${name}-${hash}`);
  const pending = inFlight.get(dir);
  if (pending) return pending;
  const job = (async () => {
    if (existsSync(dir)) return dir;
    await mkdir(root, { recursive: true });
    const tmp = join(root, `.tmp-${name}-${hash}-${process.pid}-${randomBytes(4).toString("hex")}`);
    try {
      await write(tmp);
      await writeFile(join(tmp, "fixture.json"), `${JSON.stringify(JSON.parse(key), null, 2)}\n`);
      try {
        await rename(tmp, dir);
      } catch (err) {
        if (!existsSync(dir)) throw err;
      }
      return dir;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  })();
  inFlight.set(dir, job);
  job.then(
    () => inFlight.delete(dir),
    () => inFlight.delete(dir),
  );
  return job;
}
