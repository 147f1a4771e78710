/**
 * The package's entry points (package.json "exports") as the docs use them:
 * - every `import { … } from "zeroclip…"` line in the TypeScript blocks of README.md and docs/
 *   names a specifier the package exports and only values that entry point has;
 * - the core (`zeroclip`) loads none of the heavy packages (checked in a fresh process with
 *   test/support/load-log-hook.ts), while `zeroclip/serve` does load fastify (so the check sees
 *   what it looks for).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTempDir, removeDir } from "../support/images.js";
import { HEAVY_PACKAGES, loadedPackages, loadLogEnv } from "../support/load-log.js";
import { repoRoot } from "../support/paths.js";

/** `{ names, specifier }` of each import from zeroclip in a markdown file's ts blocks. */
function zeroclipImports(markdown: string): { names: string[]; specifier: string }[] {
  const out: { names: string[]; specifier: string }[] = [];
  for (const [, block] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    for (const [, list, specifier] of block.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*"(zeroclip(?:\/[a-z]+)?)"/g,
    )) {
      const names = list
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n !== "" && !n.startsWith("type "));
      out.push({ names, specifier });
    }
  }
  return out;
}

describe("zeroclip's entry points", () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir("zeroclip-imports-");
  });
  after(() => removeDir(dir));

  it("the docs import only what each entry point exports", async () => {
    const files = [
      join(repoRoot, "README.md"),
      ...(await readdir(join(repoRoot, "docs")))
        .filter((f) => f.endsWith(".md"))
        .map((f) => join(repoRoot, "docs", f)),
    ];
    let checked = 0;
    for (const file of files) {
      for (const { names, specifier } of zeroclipImports(await readFile(file, "utf8"))) {
        // Inside the package, "zeroclip…" resolves to the package itself through "exports".
        const mod = (await import(specifier)) as Record<string, unknown>;
        for (const name of names) {
          assert.ok(name in mod, `${file}: "${specifier}" has no export ${name}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 30, `only ${checked} imported names found in the docs`);
  });

  function packagesLoadedBy(specifier: string, name: string): Set<string> {
    const log = join(dir, `${name}.log`);
    const r = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", `await import(${JSON.stringify(specifier)});`],
      { cwd: repoRoot, env: { ...process.env, ...loadLogEnv(log) }, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return loadedPackages(log);
  }

  it("the core loads no heavy package; zeroclip/serve loads fastify", () => {
    const core = packagesLoadedBy("zeroclip", "core");
    assert.ok(core.has("@huggingface/tokenizers"), "the log sees the core's packages");
    // The tokenizer and the hub client are the core's own; nothing else heavy is.
    const notCore = HEAVY_PACKAGES.filter((p) => !p.startsWith("@huggingface/"));
    assert.deepEqual(
      notCore.filter((p) => core.has(p)),
      [],
    );
    assert.ok(packagesLoadedBy("zeroclip/serve", "serve").has("fastify"));
  });
});
