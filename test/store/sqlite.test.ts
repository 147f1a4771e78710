/**
 * The embedded SQLite engine: the store contract, persistence across reopening, and refusal of
 * files that are not stores.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { openStore } from "../../src/store/open.js";
import { prefixRanges, SqliteStore } from "../../src/store/sqlite.js";
import {
  collect,
  randomUnitVectors,
  storeContract,
  testIdentity,
} from "../support/store-contract.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "zeroclip-sqlite-"));
});
after(() => rm(dir, { recursive: true, force: true }));

storeContract("SqliteStore", async (name) => SqliteStore.open(join(dir, `${name}.zcstore`)));

describe("SqliteStore", () => {
  it("keeps everything across close and reopen (read-only too)", async () => {
    const path = join(dir, "persist.zcstore");
    const s1 = await openStore(path);
    await s1.bind(testIdentity(8));
    const [v] = randomUnitVectors(1, 8, 3);
    await s1.put([
      { input: "/a.png", size: 1, mtimeMs: 2, sha256: null, status: "ok", embedding: v },
    ]);
    await s1.close();
    const s2 = await openStore(path, { readonly: true });
    assert.deepEqual(await s2.identity(), testIdentity(8));
    assert.deepEqual(Array.from((await s2.get(["/a.png"])).get("/a.png")!), Array.from(v));
    await s2.close();
  });

  it("a store in the layout before failure codes reads as before and gains the column when written", async () => {
    const path = join(dir, "before-codes.zcstore");
    // Format 1 as it was first released: items without a `code` column.
    const db = new Database(path);
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE items (id INTEGER PRIMARY KEY, input TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
        mtime_ms REAL, sha256 TEXT, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
        error TEXT, embedding BLOB, indexed_at TEXT NOT NULL,
        CHECK ((status = 'ok') = (embedding IS NOT NULL)));
      INSERT INTO meta VALUES ('format', '1'), ('identity', '${JSON.stringify(testIdentity(8))}');
      INSERT INTO items (input, size, mtime_ms, sha256, status, error, indexed_at)
        VALUES ('/old.png', 3, 5, NULL, 'failed', 'corrupt', '2026-01-01T00:00:00Z');`);
    db.close();
    const list = async (s: SqliteStore) =>
      (await collect(s.list())).map((l) => [l.input, l.status, l.code, l.error]);
    const reader = SqliteStore.open(path, { readonly: true });
    assert.deepEqual(await list(reader), [["/old.png", "failed", undefined, "corrupt"]]);
    await reader.close();
    const writer = SqliteStore.open(path);
    await writer.put([
      {
        input: "/new.png",
        size: 1,
        mtimeMs: 2,
        sha256: null,
        status: "failed",
        error: "gone",
        code: "file_not_found",
      },
    ]);
    await writer.close();
    const again = SqliteStore.open(path, { readonly: true });
    assert.deepEqual(await list(again), [
      ["/new.png", "failed", "file_not_found", "gone"],
      ["/old.png", "failed", undefined, "corrupt"],
    ]);
    await again.close();
  });

  it("a missing store opened for reading, or a file that is not a store, is a usage error", async () => {
    await assert.rejects(openStore(join(dir, "missing.zcstore"), { readonly: true }), {
      name: "UsageError",
      message: /no store at .*zeroclip index/,
    });
    const junk = join(dir, "junk.zcstore");
    await writeFile(junk, "not a database at all, just text".repeat(100));
    await assert.rejects(openStore(junk), { name: "UsageError", message: /not a zeroclip store/ });
    await assert.rejects(openStore("mysql://localhost/db"), { name: "UsageError" });
  });

  it("prefix ranges cover exactly the inputs that start with a prefix", () => {
    const inputs = ["/a/", "/a/x", "/a/y/z", "/a0", "/a.", "/b/c", "/a"];
    const ranges = prefixRanges(["/a/", "/a/y/", "/b/"]);
    assert.deepEqual(ranges, [
      ["/a/", "/a0"],
      ["/b/", "/b0"],
    ]);
    const inRange = inputs.filter((s) =>
      ranges.some(([lo, hi]) => s >= lo && (hi === undefined || s < hi)),
    );
    assert.deepEqual(
      inRange,
      inputs.filter((s) => s.startsWith("/a/") || s.startsWith("/b/")),
    );
  });
});
