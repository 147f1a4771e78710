/**
 * The tiny CLIP model for CuPL tests: ../shared/models/tiny-clip when present, else the
 * generated fixture (test/support/model-gen). A generator error rejects, so the tests that need
 * the model fail (never skip) when the generator is broken.
 * ZEROCLIP_TEST_TINY=fixture uses the generated fixture even when ../shared is present
 * (to check what a fresh clone runs).
 */
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { tinyClipDir } from "../support/reference.js";

let found: Promise<string> | undefined;

export function tinyModelDir(): Promise<string> {
  found ??=
    tinyClipDir && process.env.ZEROCLIP_TEST_TINY !== "fixture"
      ? Promise.resolve(tinyClipDir)
      : ensureFixtureModel("tiny");
  return found;
}
