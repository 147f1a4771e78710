import { readFileSync } from "node:fs";

let cached: string | undefined;

/** zeroclip's version from its package.json ("unknown" if it cannot be read). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  try {
    // dist/src/util → the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    cached = String(pkg.version);
  } catch {
    cached = "unknown";
  }
  return cached;
}
