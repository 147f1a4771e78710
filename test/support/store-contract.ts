/**
 * The behaviour every `VectorStore` engine must have, as one test suite: run it with a factory
 * for each engine (the embedded SQLite one here; a PostgreSQL + pgvector one can reuse it).
 * Expectations are independent of the engine: a brute-force cosine search over the same vectors,
 * and the items written.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoreIdentity, StoreItem, VectorStore } from "../../src/store/types.js";
import type { ErrorCode } from "../../src/util/error-codes.js";
import { randomUnitVectors } from "./random-vectors.js";

export { randomUnitVectors } from "./random-vectors.js";

export function testIdentity(dim: number, tag = "a"): StoreIdentity {
  const file = (name: string) => ({ file: name, size: 1, sha256: tag.repeat(64).slice(0, 64) });
  return {
    key: `key-${tag}-${dim}`,
    model: `model-${tag}`,
    dtype: "fp32",
    dim,
    vision: file("onnx/vision_model.onnx"),
    text: file("onnx/text_model.onnx"),
    configs: { config: "c", preprocessor: "p" },
    exifOrientation: true,
    preprocessVersion: 1,
  };
}

function ok(input: string, embedding: Float32Array, extra: Partial<StoreItem> = {}): StoreItem {
  return {
    input,
    size: 10,
    mtimeMs: 1000,
    sha256: "ab".repeat(32),
    status: "ok",
    embedding,
    ...extra,
  } as StoreItem;
}

/** A failed item (with its error code when given), as an index run writes one. */
export function failedItem(input: string, error: string, code?: ErrorCode): StoreItem {
  return {
    input,
    size: 3,
    mtimeMs: 5,
    sha256: null,
    status: "failed",
    error,
    ...(code ? { code } : {}),
  };
}

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p);
  return out;
}

/** Brute-force top-k by cosine (vectors are unit length, so by dot), in float64. */
export function bruteForce(
  items: readonly { input: string; embedding: Float32Array }[],
  query: Float32Array,
  k: number,
): { input: string; score: number }[] {
  const scored = items.map((it) => {
    let s = 0;
    for (let i = 0; i < query.length; i++) s += it.embedding[i] * query[i];
    const qn = Math.hypot(...query);
    const en = Math.hypot(...it.embedding);
    return { input: it.input, score: s / (qn * en) };
  });
  scored.sort((a, b) => b.score - a.score || (a.input < b.input ? -1 : 1));
  return scored.slice(0, k);
}

/** The store contract: `open(name)` returns a fresh, empty store each call with a new name. */
export function storeContract(engine: string, open: (name: string) => Promise<VectorStore>): void {
  describe(`VectorStore contract: ${engine}`, () => {
    it("records its identity once and refuses another model", async () => {
      const store = await open("identity");
      try {
        assert.equal(await store.identity(), undefined);
        await store.bind(testIdentity(8));
        assert.deepEqual(await store.identity(), testIdentity(8));
        await store.bind(testIdentity(8)); // the same model again is fine
        await assert.rejects(store.bind(testIdentity(8, "b")), { name: "ModelError" });
        await assert.rejects(store.bind(testIdentity(16)), { name: "ModelError" });
        await assert.rejects(store.put([ok("/x.png", new Float32Array(16))]), {
          name: "ModelError",
        });
      } finally {
        await store.close();
      }
    });

    it("upserts by input, lists in order with failures, deletes, counts", async () => {
      const store = await open("crud");
      try {
        await store.bind(testIdentity(4));
        const [a, b, c] = randomUnitVectors(3, 4, 1);
        await store.put([
          ok("/p/b.png", b),
          ok("/p/a.png", a),
          {
            input: "/p/bad.png",
            size: 3,
            mtimeMs: 5,
            sha256: null,
            status: "failed",
            error: "corrupt",
          },
          ok("https://example.com/c.jpg", c, { mtimeMs: null }),
        ]);
        await store.put([ok("/p/a.png", c, { size: 99, mtimeMs: 2000 })]); // replaces
        const list = await collect(store.list({ pageSize: 2 }));
        assert.deepEqual(
          list.map((l) => [l.input, l.status, l.size, l.mtimeMs, l.error]),
          [
            ["/p/a.png", "ok", 99, 2000, undefined],
            ["/p/b.png", "ok", 10, 1000, undefined],
            ["/p/bad.png", "failed", 3, 5, "corrupt"],
            ["https://example.com/c.jpg", "ok", 10, null, undefined],
          ],
        );
        assert.deepEqual(await store.counts(), { ok: 3, failed: 1 });
        const emb = await collect(store.embeddings({ pageSize: 1 }));
        assert.deepEqual(
          emb.map((e) => e.input),
          ["/p/a.png", "/p/b.png", "https://example.com/c.jpg"],
        );
        assert.deepEqual(Array.from(emb[0].embedding), Array.from(c));
        const got = await store.get(["/p/b.png", "/p/bad.png", "/nope"]);
        assert.deepEqual([...got.keys()], ["/p/b.png"]);
        assert.deepEqual(Array.from(got.get("/p/b.png")!), Array.from(b));
        const under = await collect(store.list({ prefixes: ["/p/"] }));
        assert.equal(under.length, 3);
        assert.equal(await store.delete(["/p/b.png", "/nope"]), 1);
        assert.deepEqual(await store.counts(), { ok: 2, failed: 1 });
      } finally {
        await store.close();
      }
    });

    it("keeps a failure's code with its message; a re-index replaces both", async () => {
      const store = await open("codes");
      try {
        await store.bind(testIdentity(4));
        await store.put([
          failedItem("/c/gone.png", "no such file", "file_not_found"),
          failedItem("/c/old.png", "corrupt"),
          failedItem("/c/text.png", "not an image", "image_unreadable"),
        ]);
        const codes = async () =>
          (await collect(store.list())).map((l) => [l.input, l.status, l.code, l.error]);
        assert.deepEqual(await codes(), [
          ["/c/gone.png", "failed", "file_not_found", "no such file"],
          ["/c/old.png", "failed", undefined, "corrupt"],
          ["/c/text.png", "failed", "image_unreadable", "not an image"],
        ]);
        const [v] = randomUnitVectors(1, 4, 9);
        await store.put([
          ok("/c/gone.png", v),
          failedItem("/c/text.png", "too large", "image_too_large"),
        ]);
        assert.deepEqual(await codes(), [
          ["/c/gone.png", "ok", undefined, undefined],
          ["/c/old.png", "failed", undefined, "corrupt"],
          ["/c/text.png", "failed", "image_too_large", "too large"],
        ]);
      } finally {
        await store.close();
      }
    });

    it("nearest is the exact brute-force top-k by cosine", async () => {
      const store = await open("nearest");
      try {
        const dim = 48;
        await store.bind(testIdentity(dim));
        const vectors = randomUnitVectors(3000, dim, 7);
        const items = vectors.map((v, i) => ({
          input: `/img/${String(i).padStart(5, "0")}.jpg`,
          embedding: v,
        }));
        for (let s = 0; s < items.length; s += 500) {
          await store.put(items.slice(s, s + 500).map((it) => ok(it.input, it.embedding)));
        }
        for (const [q, query] of randomUnitVectors(12, dim, 99).entries()) {
          const k = [1, 10, 37][q % 3];
          const got = await store.nearest(query, k);
          const want = bruteForce(items, query, k);
          assert.deepEqual(
            got.map((g) => g.input),
            want.map((w) => w.input),
            `query ${q}`,
          );
          got.forEach((g, i) => {
            assert.ok(Math.abs(g.score - want[i].score) < 1e-9);
          });
        }
        // A query of a stored vector finds itself first, at cosine 1.
        const [self] = await store.nearest(vectors[123], 1);
        assert.equal(self.input, items[123].input);
        assert.ok(Math.abs(self.score - 1) < 1e-6);
        // After a write, search sees it.
        const extra = randomUnitVectors(1, dim, 5)[0];
        await store.put([ok("/img/new.jpg", extra)]);
        assert.equal((await store.nearest(extra, 1))[0].input, "/img/new.jpg");
        await store.delete(["/img/new.jpg"]);
        assert.notEqual((await store.nearest(extra, 1))[0].input, "/img/new.jpg");
        assert.equal((await store.nearest(extra, 5000)).length, 3000);
      } finally {
        await store.close();
      }
    });
  });
}
