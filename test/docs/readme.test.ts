/**
 * The README's runnable parts work as written: the offline classify example and the library
 * example (with the hub model swapped for a generated one, the only change).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseJsonl, runCli } from "../support/cli.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { repoRoot } from "../support/paths.js";

const readme = () => readFile(join(repoRoot, "README.md"), "utf8");

describe("README", () => {
  it("the offline classify example runs on the example images", async () => {
    const text = await readme();
    const cmd = text.match(/npx zeroclip classify (examples\/images .*)/);
    assert.ok(cmd, "README has the offline example");
    const model = await ensureFixtureModel("tiny");
    const args = cmd[1]
      .replace("/tmp/tiny-clip", model)
      .match(/"[^"]*"|\S+/g)!
      .map((a) => a.replace(/^"|"$/g, ""));
    const run = await runCli(["classify", ...args, "--format", "jsonl"], {}, 60_000);
    assert.equal(run.code, 0, run.stderr);
    const records = parseJsonl(run.stdout);
    assert.equal(records.length, 2);
    for (const r of records) assert.equal((r.predictions as unknown[]).length, 2);
  });

  it("the library example runs as written", async () => {
    const text = await readme();
    const code = text.match(/```ts\n([\s\S]*?)```/)?.[1];
    assert.ok(code, "README has a TypeScript example");
    const model = await ensureFixtureModel("tiny");
    const script = code
      .replace('"Xenova/clip-vit-base-patch32"', JSON.stringify(model))
      .replace(
        '"frog.jpg"',
        JSON.stringify(join(repoRoot, "examples", "images", "green-frog.jpg")),
      );
    // Inside the package, `import … from "zeroclip"` resolves to the package itself.
    const dir = join(repoRoot, ".cache", "readme-test");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "example.mjs");
    await writeFile(file, script);
    try {
      const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /label: '(tree frog|tailed frog)', score: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
