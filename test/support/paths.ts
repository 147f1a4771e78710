import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tests run from dist/test/..., sources live in test/...). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + dir);
    dir = up;
  }
  return dir;
})();

/** ../shared beside the checkout (CI has it; a fresh clone may not). */
export const sharedDir: string = resolve(repoRoot, "..", "shared");

/** Path inside ../shared, or undefined when it is absent (tests then skip). */
export function sharedPath(...parts: string[]): string | undefined {
  const p = join(sharedDir, ...parts);
  return existsSync(p) ? p : undefined;
}

/** The built CLI entry point. */
export const cliPath: string = join(repoRoot, "bin", "zeroclip.js");
