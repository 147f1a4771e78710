/**
 * The tiny CLIP model for CuPL tests: ../shared/models/tiny-clip when present, else the
 * generated fixture (test/support/model-gen), else undefined (tests skip).
 * ZEROCLIP_TEST_TINY=fixture uses the generated fixture even when ../shared is present
 * (to check what a fresh clone runs).
 */
import { tinyClipDir } from "../support/reference.js";

let found: Promise<string | undefined> | undefined;

export function tinyModelDir(): Promise<string | undefined> {
  found ??= (async () => {
    if (tinyClipDir && process.env.ZEROCLIP_TEST_TINY !== "fixture") return tinyClipDir;
    try {
      // Loaded lazily so these tests still run (and skip) if the generator is unavailable.
      const gen = await import("../support/model-gen/index.js");
      return await gen.ensureFixtureModel("tiny");
    } catch (err) {
      process.stderr.write(`# no tiny model: ${(err as Error).message}\n`);
      return undefined;
    }
  })();
  return found;
}
