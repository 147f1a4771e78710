/**
 * An idle preprocessing pool does not keep the process alive: a script that embeds images and
 * never disposes the model still exits (the workers are unref'd after their listeners, which
 * would otherwise ref them again).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { repoRoot } from "../support/paths.js";

describe("PreprocessPool", () => {
  it("lets the process exit when idle, without dispose()", async () => {
    const model = await ensureFixtureModel("tiny");
    const entry = pathToFileURL(join(repoRoot, "dist", "src", "index.js")).href;
    const image = join(repoRoot, "examples", "images", "orange-cat.png");
    const script = `
      const { ClipModel } = await import(${JSON.stringify(entry)});
      const m = await ClipModel.load(${JSON.stringify(model)}, { preprocessWorkers: 2 });
      const [r] = await m.embedImages([${JSON.stringify(image)}]);
      m.imageBatcher();
      console.log(r.embedding.length);`;
    // A file, not --eval: worker threads inherit the parent's execArgv.
    const dir = await makeTempDir("zeroclip-pool-exit-");
    try {
      const file = join(dir, "script.mjs");
      await writeFile(file, script);
      const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 30_000 });
      assert.equal(r.status, 0, `${r.signal ?? ""} ${r.stderr}`);
      assert.match(r.stdout, /^\d+\n$/);
    } finally {
      await removeDir(dir);
    }
  });
});
