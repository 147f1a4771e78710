/**
 * fetchUrlImage against loopback servers: loopback in any spelling is refused before any
 * connection (the server sees no request); with private addresses allowed, a closed port and
 * an open port that does not speak HTTP give the same message; every redirect hop is checked
 * again; redirects, bytes and time are capped; the caller's abort stops the download.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { fetchUrlImage } from "../../src/image/fetch-url.js";
import { InputError } from "../../src/util/errors.js";

const BODY = new Uint8Array([1, 2, 3, 4, 5]);

function listen(server: Server | ReturnType<typeof createTcpServer>, host = "127.0.0.1") {
  return new Promise<number>((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  );
}

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    return err.message;
  }
  throw new Error("expected a rejection");
}

describe("fetchUrlImage", () => {
  let server: Server;
  let port: number;
  let hits = 0;
  const sockets = new Set<Socket>();
  let silent: ReturnType<typeof createTcpServer>;
  let silentPort: number;
  let closedPort: number;
  before(async () => {
    server = createHttpServer((req, res) => {
      hits++;
      const url = new URL(req.url ?? "/", "http://x");
      const hop = Number(url.searchParams.get("hop") ?? "0");
      if (url.pathname === "/img") return res.end(BODY);
      if (url.pathname === "/chain") {
        const next = hop > 0 ? `/chain?hop=${hop - 1}` : "/img";
        return res.writeHead(302, { location: next }).end();
      }
      if (url.pathname === "/to") {
        return res.writeHead(302, { location: url.searchParams.get("u")! }).end();
      }
      if (url.pathname === "/big") return res.end(new Uint8Array(10_000));
      if (url.pathname === "/hang") return; // accepts, never answers
      res.writeHead(404, "Secret Internal Reason").end();
    });
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    port = await listen(server);
    // An open port that is not HTTP: accepts and says something else.
    silent = createTcpServer((s) => s.end("SSH-2.0-OpenSSH_9.6\r\n"));
    silentPort = await listen(silent);
    const probe = createTcpServer();
    closedPort = await listen(probe);
    await new Promise<void>((r) => probe.close(() => r()));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    silent.close();
  });

  it("refuses loopback in every spelling by default, before connecting", async () => {
    hits = 0;
    for (const h of [
      "127.0.0.1",
      "2130706433",
      "0177.0.0.1",
      "0x7f000001",
      "127.1",
      "0",
      "[::1]",
      "[::ffff:127.0.0.1]",
      "localhost",
    ]) {
      const m = await message(fetchUrlImage(`http://${h}:${port}/img`));
      assert.match(m, /^URL refused/, h);
      assert.doesNotMatch(m, new RegExp(String(port)), "no port in the message");
    }
    assert.equal(hits, 0, "nothing reached the server");
    assert.match(await message(fetchUrlImage("file:///etc/passwd")), /^URL refused/);
    assert.match(await message(fetchUrlImage(`http://u:p@127.0.0.1:${port}/img`)), /^URL refused/);
  });

  it("a closed port, an open non-HTTP port and a refused one cannot be told apart", async () => {
    const closed = await message(fetchUrlImage(`http://127.0.0.1:${closedPort}/`));
    const open = await message(fetchUrlImage(`http://127.0.0.1:${silentPort}/`));
    assert.equal(closed, open);
    const lan = { allowPrivate: true, timeoutMs: 2000 };
    const closedLan = await message(fetchUrlImage(`http://127.0.0.1:${closedPort}/`, lan));
    const openLan = await message(fetchUrlImage(`http://127.0.0.1:${silentPort}/`, lan));
    assert.equal(closedLan, "could not fetch URL");
    assert.equal(openLan, "could not fetch URL");
    // An HTTP error names the status only, never the upstream reason phrase.
    const missing = await message(fetchUrlImage(`http://127.0.0.1:${port}/nope`, lan));
    assert.equal(missing, "could not fetch URL (HTTP 404)");
  });

  it("with private addresses allowed, fetches; follows 3 redirects, not 4", async () => {
    const lan = { allowPrivate: true };
    assert.deepEqual(await fetchUrlImage(`http://127.0.0.1:${port}/img`, lan), BODY);
    assert.deepEqual(await fetchUrlImage(`http://127.0.0.1:${port}/chain?hop=2`, lan), BODY);
    assert.equal(
      await message(fetchUrlImage(`http://127.0.0.1:${port}/chain?hop=3`, lan)),
      "could not fetch URL (more than 3 redirects)",
    );
  });

  it("checks every redirect hop (only 127.0.0.1 allowed: a redirect to 127.0.0.2 is refused)", async () => {
    const only1 = { addressAllowed: (a: string) => a === "127.0.0.1" };
    assert.deepEqual(await fetchUrlImage(`http://127.0.0.1:${port}/img`, only1), BODY);
    hits = 0;
    const target = encodeURIComponent(`http://127.0.0.2:${port}/img`);
    const m = await message(fetchUrlImage(`http://127.0.0.1:${port}/to?u=${target}`, only1));
    assert.match(m, /^URL refused/);
    assert.equal(hits, 1, "the first hop only");
    // A name resolving to a refused address is refused after its lookup.
    const named = encodeURIComponent(`http://localhost:${port}/img`);
    assert.match(
      await message(fetchUrlImage(`http://127.0.0.1:${port}/to?u=${named}`, {})),
      /^URL refused/,
    );
  });

  it("caps bytes and time; the caller's abort stops at once with its reason", async () => {
    const lan = { allowPrivate: true };
    assert.equal(
      await message(fetchUrlImage(`http://127.0.0.1:${port}/big`, { ...lan, maxBytes: 1000 })),
      "could not fetch URL (larger than 1000 bytes)",
    );
    let t = Date.now();
    assert.equal(
      await message(fetchUrlImage(`http://127.0.0.1:${port}/hang`, { ...lan, timeoutMs: 200 })),
      "could not fetch URL",
    );
    assert.ok(Date.now() - t < 1500, "stopped at the time cap");
    const controller = new AbortController();
    const reason = new Error("client gone");
    t = Date.now();
    const p = fetchUrlImage(`http://127.0.0.1:${port}/hang`, { ...lan, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(p, (e) => e === reason);
    assert.ok(Date.now() - t < 1500);
    // The hanging connections were closed, not left open.
    for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sockets.size, 0);
  });
});
