/** Shards: how a plan is cut, and job ids that depend on the content only. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeShards } from "../../src/queue/shards.js";
import type { IndexPlan } from "../../src/store/plan.js";
import type { SourceState, StoredInfo } from "../../src/store/types.js";

const identity = { key: "k".repeat(64), model: "m", dtype: "fp32" };

function plan(
  files: string[],
  todo: string[],
  known: StoredInfo[] = [],
  mtime = (f: string) => f.length,
): Pick<IndexPlan, "files" | "todo" | "known"> {
  const states: SourceState[] = todo.map((input) => ({
    input,
    size: 100,
    mtimeMs: mtime(input),
    sha256: null,
  }));
  return { files, todo: states, known: new Map(known.map((k) => [k.input, k])) };
}

describe("makeShards", () => {
  it("sorts the inputs, cuts them every shardSize and keeps those to embed", () => {
    const files = ["/e", "/c", "/a", "/d", "/b", "/f"];
    const failed: StoredInfo = {
      input: "/d",
      size: 3,
      mtimeMs: 1,
      sha256: null,
      status: "failed",
      error: "x",
    };
    const shards = makeShards(
      plan(files, ["/a", "/b", "/d", "/f"], [failed]),
      "store-1",
      identity,
      {
        shardSize: 2,
        maxPixels: 1000,
      },
    );
    assert.deepEqual(
      shards.map((s) => s.data.items.map((i) => i.input)),
      [["/a", "/b"], ["/d"], ["/f"]],
    );
    assert.deepEqual(shards[1].data.items[0], {
      input: "/d",
      size: 100,
      mtimeMs: 2,
      known: { status: "failed", sha256: null },
    });
    assert.equal(shards[0].data.storeId, "store-1");
    assert.equal(shards[0].data.maxPixels, 1000);
    assert.equal(new Set(shards.map((s) => s.id)).size, 3);
    assert.ok(shards.every((s) => /^shard-[0-9a-f]{40}$/.test(s.id)));
  });

  it("gives the same ids for the same work, other ids for other work", () => {
    const files = Array.from({ length: 10 }, (_, i) => `/img/${i}.jpg`);
    const ids = (p: ReturnType<typeof plan>, store = "s", key = identity.key) =>
      makeShards(p, store, { ...identity, key }, { shardSize: 4 }).map((s) => s.id);
    const all = ids(plan(files, files));
    assert.deepEqual(ids(plan([...files].reverse(), files)), all); // listing order does not matter
    assert.equal(all.length, 3);
    // A shard whose images were stored is not made again; the others keep their ids.
    assert.deepEqual(ids(plan(files, files.slice(4))), all.slice(1));
    // One changed file changes its own shard's id only.
    const touched = ids(plan(files, files, [], (f) => (f === "/img/5.jpg" ? 99 : f.length)));
    assert.deepEqual(
      touched.map((id, i) => id === all[i]),
      [true, false, true],
    );
    // Another store or another model: every id differs.
    for (const other of [ids(plan(files, files), "t"), ids(plan(files, files), "s", "x")]) {
      assert.ok(other.every((id, i) => id !== all[i]));
    }
  });
});
