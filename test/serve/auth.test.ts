/**
 * The API key: 401 without it or with a wrong one on every closed route, open routes (/health,
 * the page, the API docs) answer without it, the official client works with it, and the key
 * never appears in a log line or a response. CORS is off unless origins are given.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { bearerMatches } from "../../src/serve/auth.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { errorOf, startServer, type TestServer, writeImages } from "./helpers.js";

const KEY = "zc-test-key-7f3a9c1e";

describe("API key", () => {
  let dir: string;
  let server: TestServer;
  let image: string;
  const seen: string[] = [];
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-auth-");
    const [file] = await writeImages(dir, 1);
    image = (await readFile(file)).toString("base64");
    server = await startServer({ apiKey: KEY });
  });
  after(async () => {
    await server?.close();
    await removeDir(dir);
  });

  async function call(method: string, path: string, auth?: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers.authorization = auth;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, text, headers: res.headers };
  }

  const CLOSED: [string, string, unknown?][] = [
    ["GET", "/ready"],
    ["GET", "/metrics"],
    ["GET", "/v1/config"],
    ["GET", "/v1/presets/classnames/x"],
    ["POST", "/v1/classify", { images: ["x"], labels: ["a"] }],
    ["POST", "/v1/embeddings", { input: "a cat" }],
    ["POST", "/v1/describe", { labels: ["a"] }],
    ["GET", "/v1/no-such-route"],
    ["GET", "/assets/%2e%2e/v1/config"],
  ];

  it("closed routes answer 401 without the key, with a wrong one, or with another scheme", async () => {
    const wrong = [
      undefined,
      "",
      "Bearer",
      "Bearer wrong",
      `Bearer ${KEY.slice(0, -1)}`,
      `Bearer ${KEY}x`,
      `Basic ${Buffer.from(`u:${KEY}`).toString("base64")}`,
      KEY,
    ];
    for (const [method, path, body] of CLOSED) {
      for (const auth of wrong) {
        const r = await call(method, path, auth, body);
        assert.equal(r.status, 401, `${method} ${path} with ${JSON.stringify(auth)}: ${r.text}`);
        assert.equal(errorOf({ ...r, body: JSON.parse(r.text) }).type, "unauthorized");
        assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
      }
    }
  });

  it("with the key every closed route works", async () => {
    const auth = `Bearer ${KEY}`;
    assert.equal((await call("GET", "/ready", auth)).status, 200);
    assert.equal((await call("GET", "/metrics", auth)).status, 200);
    assert.equal((await call("GET", "/v1/config", auth)).status, 200);
    const c = await call("POST", "/v1/classify", auth, { images: [image], labels: ["a", "b"] });
    assert.equal(c.status, 200, c.text);
    assert.equal(
      (await call("POST", "/v1/embeddings", `bearer  ${KEY}`, { input: "x" })).status,
      200,
    );
    assert.equal((await call("GET", "/v1/no-such-route", auth)).status, 404);
  });

  it("/health, the page and the API docs are open", async () => {
    for (const path of [
      "/health",
      "/",
      "/assets/app.js",
      "/assets/app.css",
      "/assets/chart.umd.js",
      "/openapi.json",
      "/docs",
    ]) {
      const r = await call("GET", path);
      assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    }
    const spec = JSON.parse((await call("GET", "/openapi.json")).text);
    assert.deepEqual(spec.security, [{ bearer: [] }]);
    assert.deepEqual(spec.paths["/health"].get.security, []);
  });

  it("the openai client: AuthenticationError with a wrong key, embeddings with the right one", async () => {
    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "nope", maxRetries: 0 });
    await assert.rejects(
      bad.embeddings.create({ model: "m", input: "x" }),
      OpenAI.AuthenticationError,
    );
    const good = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const res = await good.embeddings.create({ model: "m", input: ["x", "y"] });
    assert.equal(res.data.length, 2);
  });

  it("the key appears in no log line and no response", () => {
    assert.ok(server.logs.length > 20, "requests were logged");
    assert.ok(
      server.logs.some((l) => l.includes('"authorization":"[redacted]"')),
      "the header is logged, redacted",
    );
    for (const line of [...server.logs, ...seen])
      assert.ok(!line.includes(KEY), line.slice(0, 300));
    // Nor a prefix long enough to matter.
    for (const line of server.logs) assert.ok(!line.includes(KEY.slice(0, 12)), line.slice(0, 300));
  });

  it("bearerMatches: exact key only", () => {
    const d = createHash("sha256").update(KEY).digest();
    assert.equal(bearerMatches(`Bearer ${KEY}`, d), true);
    assert.equal(bearerMatches(`bearer ${KEY} `, d), true);
    for (const h of [undefined, "", "Bearer ", `Bearer ${KEY}1`, `Token ${KEY}`, ` ${KEY}`]) {
      assert.equal(bearerMatches(h, d), false, String(h));
    }
  });
});

describe("CORS", () => {
  it("is off by default", async () => {
    const s = await startServer();
    try {
      const r = await fetch(`${s.url}/v1/config`, { headers: { origin: "http://app.example" } });
      assert.equal(r.headers.get("access-control-allow-origin"), null);
      const pre = await fetch(`${s.url}/v1/classify`, {
        method: "OPTIONS",
        headers: { origin: "http://app.example", "access-control-request-method": "POST" },
      });
      assert.equal(pre.headers.get("access-control-allow-origin"), null);
    } finally {
      await s.close();
    }
  });

  it("allows only the given origins; preflights need no key", async () => {
    const s = await startServer({ corsOrigins: ["http://app.example"], apiKey: KEY });
    try {
      const pre = await fetch(`${s.url}/v1/classify`, {
        method: "OPTIONS",
        headers: {
          origin: "http://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      assert.ok(pre.status < 300, String(pre.status));
      assert.equal(pre.headers.get("access-control-allow-origin"), "http://app.example");
      const other = await fetch(`${s.url}/v1/config`, {
        headers: { origin: "http://evil.example", authorization: `Bearer ${KEY}` },
      });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
      const ok = await fetch(`${s.url}/v1/config`, {
        headers: { origin: "http://app.example", authorization: `Bearer ${KEY}` },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("access-control-allow-origin"), "http://app.example");
    } finally {
      await s.close();
    }
  });
});
