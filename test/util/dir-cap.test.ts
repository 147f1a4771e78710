/**
 * Issue 23, finding 6 (on-disk caches): a cache directory's files stay under its cap, the least
 * recently used deleted first; the LLM answer cache and the class-embedding cache apply it.
 */
import assert from "node:assert/strict";
import { readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cachedClassEmbeddings } from "../../src/classify/embedding-cache.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { LlmCache } from "../../src/prompts/llm-cache.js";
import { cacheMaxBytes, capDirectory } from "../../src/util/dir-cap.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size;
  return n;
}

describe("cache directory caps", () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir("zeroclip-dir-cap-");
  });
  after(() => removeDir(dir));

  it("deletes the least recently used files until the rest fit; kept files stay", async () => {
    const d = join(dir, "plain");
    await import("node:fs/promises").then((fs) => fs.mkdir(d));
    // Five 100-byte files, a.bin oldest … e.bin newest.
    const names = ["a.bin", "b.bin", "c.bin", "d.bin", "e.bin"];
    for (const [i, name] of names.entries()) {
      await writeFile(join(d, name), new Uint8Array(100));
      const t = new Date(Date.UTC(2020, 0, 1, 0, 0, i));
      await utimes(join(d, name), t, t);
    }
    assert.deepEqual(await capDirectory(d, 500), [], "at the cap: nothing to do");
    assert.deepEqual(await capDirectory(d, 250, ["a.bin"]), ["b.bin", "c.bin", "d.bin"]);
    assert.deepEqual((await readdir(d)).sort(), ["a.bin", "e.bin"]);
    assert.equal(cacheMaxBytes({ ZEROCLIP_CACHE_MAX_MB: "2" }), 2 * 1024 * 1024);
    assert.equal(cacheMaxBytes({}), 512 * 1024 * 1024);
    assert.equal(cacheMaxBytes({ ZEROCLIP_CACHE_MAX_MB: "junk" }), 512 * 1024 * 1024);
  });

  it("the LLM answer cache: other keys' files go first; a file over the cap starts over", async () => {
    const d = join(dir, "llm");
    const key = (model: string) => ({
      endpoint: "http://127.0.0.1:1/v1",
      model,
      temperature: 1,
      maxTokens: 50,
      stop: ["."],
    });
    const answer = (i: number, n = 100) => ({
      label: "cat",
      question: "q {}",
      index: i,
      text: "x".repeat(n),
    });
    const old = await LlmCache.open(d, key("old"), 5000);
    await old.add([answer(0, 400), answer(1, 400), answer(2, 400)]);
    const t = new Date(Date.UTC(2020, 0, 1));
    for (const f of await readdir(d)) await utimes(join(d, f), t, t);
    const cur = await LlmCache.open(d, key("new"), 1000);
    await cur.add(Array.from({ length: 5 }, (_, i) => answer(i)));
    const oldFile = old.file.slice(d.length + 1);
    assert.ok(!(await readdir(d)).includes(oldFile), "the old key's answers went");
    // 5 answers (~600 bytes) fit; 5 more pass the cap: the file keeps only the newest batch.
    await cur.add(Array.from({ length: 5 }, (_, i) => answer(10 + i)));
    const lines = (await readFile(cur.file, "utf8")).trim().split("\n");
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).index),
      [10, 11, 12, 13, 14],
    );
    assert.ok((await dirBytes(d)) <= 1000 + 400, `${await dirBytes(d)} bytes`);
    assert.equal(cur.get("cat", "q {}", 0), "x".repeat(100), "still answered from memory");
  });

  it("the class-embedding cache stays under $ZEROCLIP_CACHE_MAX_MB", async () => {
    const model = await ClipModel.load(await ensureFixtureModel("tiny"));
    const d = join(dir, "class");
    const saved = process.env.ZEROCLIP_CACHE_MAX_MB;
    // Room for about two sets of 3 classes (each file: 16 + 3 × dim × 4 bytes).
    const one = 16 + 3 * model.config.projectionDim * 4;
    process.env.ZEROCLIP_CACHE_MAX_MB = String((2.5 * one) / (1024 * 1024));
    try {
      for (let k = 0; k < 6; k++) {
        const texts = [[`a ${k}`], [`b ${k}`], [`c ${k}`]];
        await cachedClassEmbeddings(model, texts, "normalized-mean", d);
      }
      const files = await readdir(d);
      assert.ok(files.length <= 2, `${files.length} files`);
      assert.ok((await dirBytes(d)) <= 2.5 * one);
    } finally {
      if (saved === undefined) delete process.env.ZEROCLIP_CACHE_MAX_MB;
      else process.env.ZEROCLIP_CACHE_MAX_MB = saved;
      await model.dispose();
    }
  });
});
