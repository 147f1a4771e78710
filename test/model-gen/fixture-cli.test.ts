/** ensureFixtureModel caching under concurrency, and the CLI. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureFixtureModel, generateClipModel, TINY } from "../support/model-gen/index.js";
import { session, tempDir } from "./helpers.js";

const run = promisify(execFile);
const indexUrl = new URL("../support/model-gen/index.js", import.meta.url).href;
const cli = fileURLToPath(new URL("../support/model-gen/cli.js", import.meta.url));

async function allFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe("ensureFixtureModel", () => {
  it("generates once per option set, safely when processes race", async () => {
    const cacheDir = await tempDir();
    const opts = { cacheDir, seed: 5, dims: { textLayers: 1, visionLayers: 1 } };
    const script = `import(${JSON.stringify(indexUrl)}).then((m) => m.ensureFixtureModel("tiny", ${JSON.stringify(opts)})).then((d) => console.log(d));`;
    const child = async () =>
      (await run(process.execPath, ["--input-type=module", "-e", script])).stdout.trim();
    const dirs = await Promise.all([
      child(),
      child(),
      child(),
      ensureFixtureModel("tiny", opts),
      ensureFixtureModel("tiny", opts),
    ]);
    assert.equal(new Set(dirs).size, 1, `different dirs: ${dirs}`);
    const dir = dirs[0];
    assert.match(basename(dir), /^tiny-[0-9a-f]{12}$/);
    assert.deepEqual(await readdir(cacheDir), [basename(dir)], "no temporary directories left");
    const fixture = JSON.parse(await readFile(join(dir, "fixture.json"), "utf8"));
    assert.equal(fixture.seed, 5);
    assert.equal(fixture.dims.textLayers, 1);
    await session(join(dir, "onnx", "text_model.onnx"));

    const before = (await stat(join(dir, "onnx", "vision_model.onnx"))).mtimeMs;
    assert.equal(await ensureFixtureModel("tiny", opts), dir);
    assert.equal(
      (await stat(join(dir, "onnx", "vision_model.onnx"))).mtimeMs,
      before,
      "regenerated",
    );

    const other = await ensureFixtureModel("tiny", { ...opts, seed: 6 });
    assert.notEqual(other, dir);
  });
});

describe("CLI", () => {
  it("writes the same bytes as generateClipModel", async () => {
    const root = await tempDir();
    const out = join(root, "cli");
    const { stdout } = await run(process.execPath, [
      cli,
      "--size",
      "tiny",
      "--out",
      out,
      "--seed",
      "8",
      "--q8",
    ]);
    assert.match(stdout, /onnx\/text_model_quantized\.onnx/);
    assert.match(stdout, /wrote tiny \(seed 8, fp32\+q8\)/);
    const api = join(root, "api");
    await generateClipModel(api, { dims: TINY, seed: 8, dtypes: ["fp32", "q8"] });
    const files = await allFiles(out);
    assert.deepEqual(files, await allFiles(api));
    assert.ok(files.includes(join("onnx", "vision_model_quantized.onnx")));
    for (const f of files) {
      const [x, y] = await Promise.all([readFile(join(out, f)), readFile(join(api, f))]);
      assert.ok(x.equals(y), f);
    }
  });

  it("rejects bad usage with exit code 2", async () => {
    const out = join(await tempDir(), "x");
    for (const args of [
      ["--size", "huge", "--out", out],
      ["--size", "tiny"],
      ["--size", "tiny", "--out", out, "--seed", "abc"],
      ["--size", "tiny", "--out", out, "--no-fp32"],
    ]) {
      await assert.rejects(
        run(process.execPath, [cli, ...args]),
        (e: { code?: number }) => e.code === 2,
      );
    }
  });
});
