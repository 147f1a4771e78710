import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageEmbeddingStore } from "../../src/cache/embedding-store.js";
import { embedImageFiles, type ImageEmbedder } from "../../src/cache/image-pass.js";
import type { ImageEmbedResult } from "../../src/model/image-pipeline.js";
import { sha256 } from "../../src/util/hash.js";

function vec(seed: number, dim = 8): Float32Array {
  return Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 13 + i));
}

describe("image embedding store", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-store-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("round-trips records and reopens them", async () => {
    const path = join(dir, "a.bin");
    const s = await ImageEmbeddingStore.open(path, { model: "x" });
    assert.equal(s.size, 0);
    await s.append([
      { hash: sha256("one"), embedding: vec(1) },
      { hash: sha256("two"), embedding: vec(2) },
    ]);
    await s.append([{ hash: sha256("one"), embedding: vec(9) }]); // already held: not rewritten
    const r = await ImageEmbeddingStore.open(path, { model: "x" });
    assert.equal(r.size, 2);
    assert.equal(r.dimension, 8);
    assert.deepEqual(r.get(sha256("one")), vec(1));
    assert.deepEqual(r.get(sha256("two")), vec(2));
    assert.equal(r.get(sha256("three")), undefined);
  });

  it("ignores a torn tail and finds records appended after a torn one", async () => {
    const path = join(dir, "b.bin");
    const s = await ImageEmbeddingStore.open(path, null);
    await s.append([
      { hash: sha256("1"), embedding: vec(1) },
      { hash: sha256("2"), embedding: vec(2) },
    ]);
    const size = (await stat(path)).size;
    await truncate(path, size - 7); // a killed run: record 2 is torn
    const torn = await ImageEmbeddingStore.open(path, null);
    assert.equal(torn.size, 1);
    assert.ok(torn.has(sha256("1")));
    await torn.append([{ hash: sha256("3"), embedding: vec(3) }]);
    const again = await ImageEmbeddingStore.open(path, null);
    assert.equal(again.size, 2);
    assert.deepEqual(again.get(sha256("3")), vec(3));
    assert.ok(again.skippedBytes > 0);
  });

  it("skips a garbled record (CRC) and keeps the ones after it", async () => {
    const path = join(dir, "c.bin");
    const s = await ImageEmbeddingStore.open(path, null);
    await s.append([1, 2, 3].map((k) => ({ hash: sha256(String(k)), embedding: vec(k) })));
    const data = await readFile(path);
    const recordSize = 4 + 32 + 8 * 4 + 4;
    const secondFloat = data.length - 2 * recordSize + 40;
    data[secondFloat] ^= 0xff;
    await writeFile(path, data);
    await appendFile(path, Buffer.from("garbage that is not a record"));
    const r = await ImageEmbeddingStore.open(path, null);
    assert.equal(r.size, 2);
    assert.ok(r.has(sha256("1")) && r.has(sha256("3")) && !r.has(sha256("2")));
  });

  it("replaces a file whose header is unusable", async () => {
    const path = join(dir, "d.bin");
    await writeFile(path, "not a store");
    const s = await ImageEmbeddingStore.open(path, null);
    assert.equal(s.size, 0);
    await s.append([{ hash: sha256("x"), embedding: vec(5) }]);
    const r = await ImageEmbeddingStore.open(path, null);
    assert.deepEqual(r.get(sha256("x")), vec(5));
  });

  it("image pass: computes misses once, reuses the store, lists unreadable files", async () => {
    const files = ["a", "b", "a-copy", "c"].map((n) => join(dir, `${n}.img`));
    await writeFile(files[0], "AAA");
    await writeFile(files[1], "BBB");
    await writeFile(files[2], "AAA"); // same bytes as a
    await writeFile(files[3], "CCC");
    const missing = join(dir, "missing.img");
    let calls = 0;
    const fake: ImageEmbedder = {
      async embedImages(sources): Promise<ImageEmbedResult[]> {
        return sources.map((bytes, i) => {
          calls++;
          const text = Buffer.from(bytes).toString();
          if (text === "CCC") {
            return { input: `<bytes #${i}>`, code: "image_unreadable", error: "corrupt image" };
          }
          return { input: `<bytes #${i}>`, embedding: vec(text.charCodeAt(0)) };
        });
      },
    };
    const store = await ImageEmbeddingStore.open(join(dir, "pass.bin"), null);
    const paths = [...files, missing];
    const first = await embedImageFiles(fake, paths, { store, chunkSize: 2 });
    assert.equal(first.computed, 2);
    assert.equal(first.cached, 1); // a-copy
    assert.equal(first.failed, 2);
    assert.equal(first.results[3].error, "corrupt image");
    assert.match(first.results[4].error!, /no such file/);
    assert.deepEqual(first.results[2].embedding, vec(65));
    const before = calls;
    const reopened = await ImageEmbeddingStore.open(join(dir, "pass.bin"), null);
    const second = await embedImageFiles(fake, paths, { store: reopened });
    assert.equal(second.computed, 0);
    assert.equal(second.cached, 3);
    assert.equal(calls - before, 1); // only the corrupt one is tried again
    assert.deepEqual(
      second.results.map((r) => r.input),
      paths,
    );
  });
});
