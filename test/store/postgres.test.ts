/**
 * The PostgreSQL + pgvector engine over the wire protocol (PGlite with the real pgvector, served
 * by pglite-socket): the store contract, and what is particular to it: several stores and models
 * in one database, replayed writes that change nothing, exact versus approximate search,
 * concurrent writers, passwords that never appear in messages.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { openStore } from "../../src/store/open.js";
import {
  itemsTableName,
  PostgresStore,
  parseVector,
  vectorText,
} from "../../src/store/postgres.js";
import { parsePostgresLocation } from "../../src/store/postgres-connection.js";
import type { StoreItem } from "../../src/store/types.js";
import { redactUrl } from "../../src/util/redact.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { freePort } from "../support/redis-server.js";
import {
  bruteForce,
  collect,
  failedItem,
  randomUnitVectors,
  storeContract,
  testIdentity,
} from "../support/store-contract.js";

let server: PgServer;
before(async () => {
  server = await startPgServer();
});
after(() => server.stop());

const storeUrl = (name: string) => `${server.url}?store=${name}`;

storeContract("PostgresStore", (name) => PostgresStore.open(storeUrl(`contract_${name}`)));

function ok(input: string, embedding: Float32Array, mtimeMs = 1000): StoreItem {
  return { input, size: 10, mtimeMs, sha256: "cd".repeat(32), status: "ok", embedding };
}

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
  const c = new pg.Client(server.url);
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

describe("PostgresStore", () => {
  it("vectors go in and come out bit for bit through pgvector's text form", () => {
    const vs = randomUnitVectors(200, 512, 11);
    const odd = new Float32Array([0, -0, 1e-38, 3.4e38, -1.17549435e-38, 1 / 3, 7e-45]);
    for (const v of [...vs, odd]) {
      assert.deepEqual(Array.from(parseVector(vectorText(v))), Array.from(v));
    }
  });

  it("a database holds several named stores, one model and one table each", async () => {
    const a = await PostgresStore.open(storeUrl("multi_a"));
    const b = await PostgresStore.open(storeUrl("multi_b"));
    try {
      await a.bind(testIdentity(4, "a"));
      await b.bind(testIdentity(6, "b"));
      await a.put([ok("/x.png", randomUnitVectors(1, 4, 1)[0])]);
      await b.put([ok("/x.png", randomUnitVectors(1, 6, 2)[0])]);
      const rows = await sql<{ name: string; items_table: string; dim: number }>(
        "SELECT name, items_table, (identity->>'dim')::int AS dim FROM zeroclip_stores WHERE name LIKE 'multi_%' ORDER BY name",
      );
      assert.deepEqual(rows, [
        { name: "multi_a", items_table: itemsTableName("multi_a", "key-a-4"), dim: 4 },
        { name: "multi_b", items_table: itemsTableName("multi_b", "key-b-6"), dim: 6 },
      ]);
      const [col] = await sql<{ t: string }>(
        "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'",
        [`"${rows[1].items_table}"`],
      );
      assert.equal(col.t, "vector(6)");
      const [idx] = await sql<{ def: string }>(
        "SELECT indexdef AS def FROM pg_indexes WHERE tablename = $1 AND indexname LIKE '%_hnsw'",
        [rows[0].items_table],
      );
      assert.match(idx.def, /USING hnsw \(embedding vector_cosine_ops\)/);
      assert.notEqual(await a.id(), await b.id());
      // Another model in an existing store is refused, naming the fix.
      await assert.rejects(a.bind(testIdentity(4, "c")), {
        name: "ModelError",
        message: /holds 4-d embeddings of model-a/,
      });
      // Read-only opening of a store that does not exist is a usage error.
      await assert.rejects(openStore(storeUrl("nothing_here"), { readonly: true }), {
        name: "UsageError",
        message: /no store "nothing_here"/,
      });
      await assert.rejects(openStore(`${server.url}?store=Bad-Name`), { name: "UsageError" });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a replayed put changes no row; a changed one replaces it", async () => {
    const s = await PostgresStore.open(storeUrl("replay"));
    try {
      await s.bind(testIdentity(8));
      const vs = randomUnitVectors(5, 8, 3);
      const batch = vs.map((v, i) => ok(`/r/${i}.png`, v));
      await s.put(batch);
      const table = itemsTableName("replay", "key-a-8");
      const state = () =>
        sql<{ input: string; xmin: string; at: string }>(
          `SELECT input, xmin::text AS xmin, indexed_at::text AS at FROM "${table}" ORDER BY input`,
        );
      const first = await state();
      await s.put(batch);
      assert.deepEqual(await state(), first);
      await s.put([ok("/r/2.png", vs[2], 2000)]);
      const third = await state();
      assert.deepEqual(
        third.filter((r, i) => r.xmin !== first[i].xmin).map((r) => r.input),
        ["/r/2.png"],
      );
      // Within one call the last item for an input wins.
      await s.put([ok("/r/9.png", vs[0]), ok("/r/9.png", vs[1])]);
      assert.deepEqual(Array.from((await s.get(["/r/9.png"])).get("/r/9.png")!), Array.from(vs[1]));
    } finally {
      await s.close();
    }
  });

  it("a table in the layout before failure codes reads as before and gains the column when written", async () => {
    const s = await PostgresStore.open(storeUrl("before_codes"));
    try {
      await s.bind(testIdentity(8));
      await s.put([failedItem("/old.png", "corrupt")]);
    } finally {
      await s.close();
    }
    const table = itemsTableName("before_codes", "key-a-8");
    // The items table as it was first released: no `code` column.
    await sql(`ALTER TABLE "${table}" DROP COLUMN code`);
    const list = async (store: PostgresStore) =>
      (await collect(store.list())).map((l) => [l.input, l.status, l.code, l.error]);
    const reader = await PostgresStore.open(storeUrl("before_codes"), { readonly: true });
    try {
      assert.deepEqual(await list(reader), [["/old.png", "failed", undefined, "corrupt"]]);
    } finally {
      await reader.close();
    }
    const writer = await PostgresStore.open(storeUrl("before_codes"));
    try {
      await writer.put([failedItem("/new.png", "gone", "file_not_found")]);
      assert.deepEqual(await list(writer), [
        ["/new.png", "failed", "file_not_found", "gone"],
        ["/old.png", "failed", undefined, "corrupt"],
      ]);
    } finally {
      await writer.close();
    }
  });

  it("pages come in code point order, as the embedded engine's", async () => {
    const s = await PostgresStore.open(storeUrl("order"));
    try {
      await s.bind(testIdentity(2));
      const inputs = ["/p/Zebra.jpg", "/p/apple.jpg", "/p/Äpfel.jpg", "/p/a b.jpg", "/p/élan.jpg"];
      inputs.push("/p/日本.png", "/p/a.jpg", "/q/x.jpg", "/p/_u.jpg", "/p/A.jpg");
      await s.put(inputs.map((i) => ok(i, new Float32Array([1, 0]))));
      const listed: string[] = [];
      for await (const page of s.list({ pageSize: 3 })) listed.push(...page.map((p) => p.input));
      assert.deepEqual(listed, [...inputs].sort());
      const under: string[] = [];
      for await (const page of s.embeddings({ prefixes: ["/p/"], pageSize: 4 })) {
        under.push(...page.map((p) => p.input));
      }
      assert.deepEqual(under, inputs.filter((i) => i.startsWith("/p/")).sort());
    } finally {
      await s.close();
    }
  });

  it("exact search scans every row; approximate search walks the HNSW index", async () => {
    const s = await PostgresStore.open(storeUrl("ann"));
    try {
      const dim = 32;
      await s.bind(testIdentity(dim));
      const vs = randomUnitVectors(2000, dim, 21);
      const items = vs.map((v, i) => ({ input: `/a/${String(i).padStart(4, "0")}`, embedding: v }));
      for (let i = 0; i < items.length; i += 500) {
        await s.put(items.slice(i, i + 500).map((it) => ok(it.input, it.embedding)));
      }
      const queries = randomUnitVectors(10, dim, 5);
      const plan = (approximate: boolean) =>
        s.explainNearest(queries[0], 10, { approximate }).then((l) => l.join("\n"));
      assert.match(await plan(false), /Seq Scan on/);
      assert.doesNotMatch(await plan(false), /hnsw/);
      assert.match(await plan(true), /Index Scan using \S+_hnsw/);
      for (const q of queries) {
        const got = await s.nearest(q, 10);
        assert.deepEqual(
          got,
          bruteForce(items, q, 10).map((w, i) => ({ ...w, score: got[i].score })),
        );
      }
      let found = 0;
      for (const q of queries) {
        const got = await s.nearest(q, 10, { approximate: true, efSearch: 100 });
        assert.equal(got.length, 10);
        const want = new Set(bruteForce(items, q, 10).map((w) => w.input));
        found += got.filter((g) => want.has(g.input)).length;
      }
      assert.ok(found / (10 * queries.length) >= 0.9, `HNSW recall@10 ${found / 100}`);
    } finally {
      await s.close();
    }
  });

  it("concurrent writers, each in its own connections, all land whole", async () => {
    const stores = await Promise.all(
      [0, 1, 2, 3].map(() => PostgresStore.open(storeUrl("concurrent"), { maxConnections: 2 })),
    );
    try {
      await Promise.all(stores.map((s) => s.bind(testIdentity(16))));
      const vs = randomUnitVectors(400, 16, 8);
      await Promise.all(
        stores.map(async (s, w) => {
          for (let b = 0; b < 10; b++) {
            const batch = vs.slice(w * 100 + b * 10, w * 100 + b * 10 + 10);
            await s.put(batch.map((v, j) => ok(`/c/${w}-${b}-${j}`, v)));
            await s.counts();
          }
        }),
      );
      assert.deepEqual(await stores[0].counts(), { ok: 400, failed: 0 });
      const all: number[][] = [];
      for await (const page of stores[1].embeddings())
        all.push(...page.map((e) => Array.from(e.embedding)));
      const want = vs.map((v) => Array.from(v)).sort((x, y) => x[0] - y[0]);
      assert.deepEqual(
        all.sort((x, y) => x[0] - y[0]),
        want,
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("never shows a password: locations and errors are redacted", async () => {
    const secret = "s3cr3t-p@ss";
    const withPassword = server.url.replace("postgres@", `postgres:${encodeURIComponent(secret)}@`);
    const s = await PostgresStore.open(`${withPassword}?store=secret`);
    try {
      await s.bind(testIdentity(2));
      assert.ok(!s.location.includes("s3cr3t"), s.location);
      assert.match(s.location, /postgres:\*\*\*@127\.0\.0\.1/);
      const err = await s.bind(testIdentity(2, "z")).catch((e: Error) => e);
      assert.ok(err instanceof Error && !String(err.message).includes("s3cr3t"));
    } finally {
      await s.close();
    }
    const closed = `postgres://me:${encodeURIComponent(secret)}@127.0.0.1:${await freePort()}/db`;
    const err = await openStore(closed).catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.name, "NetworkError");
    assert.match(err.message, /cannot reach the PostgreSQL store postgres:\/\/me:\*\*\*@127/);
    assert.ok(!`${err.message}\n${err.stack}`.includes("s3cr3t"));
    assert.equal(
      redactUrl("postgresql://u:pw@/db?host=/run/pg&password=pw2&store=x"),
      "postgresql://u:***@/db?host=/run/pg&password=***&store=x",
    );
    const loc = parsePostgresLocation("postgres://u:p%40w@h:5432/db?sslmode=require&store=photos");
    assert.equal(loc.connectionString, "postgres://u:p%40w@h:5432/db?sslmode=require");
    assert.equal(loc.name, "photos");
    assert.deepEqual(loc.secrets, ["p%40w", "p@w"]);
  });
});
