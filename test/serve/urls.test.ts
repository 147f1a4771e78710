/**
 * Issue 23, findings 3 and 4. By default URL inputs to loopback in any spelling (and redirects
 * to it) are refused without a connection, with one message whatever is listening there; with
 * --allow-private-urls a LAN image server works. URLs that accept and never answer hold no
 * decode worker: other clients' inline images are answered meanwhile, and a client that leaves
 * (or a request that times out) closes its downloads.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { makeTempDir, removeDir } from "../support/images.js";
import { errorOf, post, startServer, type TestServer, writeImages } from "./helpers.js";

interface Results {
  results: { predictions?: unknown[]; error?: string }[];
}

/** A loopback server that counts requests, serves `/a.png`, redirects `/to?u=`, and hangs on `/hang`. */
async function imageServer(png: Uint8Array) {
  const sockets = new Set<Socket>();
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/a.png") return res.writeHead(200).end(png);
    if (url.pathname === "/to") {
      return res.writeHead(302, { location: url.searchParams.get("u")! }).end();
    }
    if (url.pathname === "/hang") return; // accepted, never answered
    res.writeHead(404).end();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    open: () => sockets.size,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const t = Date.now();
  while (!cond() && Date.now() - t < ms) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

describe("URL inputs against hostile callers", () => {
  let dir: string;
  let png: Uint8Array;
  let b64: string;
  let files: Awaited<ReturnType<typeof imageServer>>;
  let server: TestServer;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-urls-");
    png = await readFile((await writeImages(dir, 1))[0]);
    b64 = Buffer.from(png).toString("base64");
    files = await imageServer(png);
    server = await startServer();
  });
  after(async () => {
    await server?.close();
    files?.close();
    await removeDir(dir);
  });

  it("refuses loopback in every spelling, and redirects to it, without connecting", async () => {
    const p = files.port;
    const spellings = [
      `http://127.0.0.1:${p}/a.png`,
      `http://[::1]:${p}/a.png`,
      `http://2130706433:${p}/a.png`,
      `http://0177.0.0.1:${p}/a.png`,
      `http://0x7f000001:${p}/a.png`,
      `http://127.1:${p}/a.png`,
      `http://0:${p}/a.png`,
      `http://[::ffff:127.0.0.1]:${p}/a.png`,
      `http://localhost:${p}/a.png`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://10.0.0.1:${p}/a.png`,
    ];
    const before = files.hits();
    const r = await post(`${server.url}/v1/classify`, { images: spellings, labels: ["a", "b"] });
    assert.equal(r.status, 200, r.text);
    for (const [i, res] of (r.body as Results).results.entries()) {
      assert.match(res.error ?? "", /^URL refused/, spellings[i]);
      assert.doesNotMatch(res.error!, new RegExp(String(p)));
    }
    assert.equal(files.hits(), before, "the image server saw no request");
    // Embeddings of an internal image do not come back either.
    const e = await post(`${server.url}/v1/embeddings`, {
      input: `http://127.0.0.1:${p}/a.png`,
      modality: "image",
    });
    assert.equal(e.status, 422);
    assert.match(errorOf(e).message, /^URL refused/);
  });

  it("one message for a closed port and an open one: no port scan through the server", async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const ssh = createTcpServer((s) => s.end("SSH-2.0-OpenSSH_9.6\r\n"));
    await new Promise<void>((r) => ssh.listen(0, "127.0.0.1", r));
    const open = (ssh.address() as AddressInfo).port;
    const lan = await startServer({ allowPrivateUrls: true });
    try {
      for (const s of [server, lan]) {
        const r = await post(`${s.url}/v1/classify`, {
          images: [`http://127.0.0.1:${closed}/`, `http://127.0.0.1:${open}/`],
          labels: ["a", "b"],
        });
        const [a, b] = (r.body as Results).results;
        assert.ok(a.error && a.error === b.error, `${a.error} vs ${b.error}`);
        assert.doesNotMatch(a.error, /ECONNREFUSED|HPE_|\d{4,}/);
      }
    } finally {
      await lan.close();
      ssh.close();
    }
  });

  it("with allowPrivateUrls a LAN image server works, and redirects are capped", async () => {
    const lan = await startServer({ allowPrivateUrls: true });
    try {
      const ok = await post(`${lan.url}/v1/classify`, {
        images: [`${files.url}/a.png`, b64],
        labels: ["a", "b"],
      });
      const [viaUrl, inline] = (ok.body as Results).results;
      assert.deepEqual(viaUrl.predictions, inline.predictions);
      // Four redirects, one more than allowed.
      let u = `${files.url}/a.png`;
      for (let i = 0; i < 4; i++) u = `${files.url}/to?u=${encodeURIComponent(u)}`;
      const r = await post(`${lan.url}/v1/classify`, { images: [u], labels: ["a", "b"] });
      assert.equal(
        (r.body as Results).results[0].error,
        "could not fetch URL (more than 3 redirects)",
      );
    } finally {
      await lan.close();
    }
  });

  it("URLs that never answer hold no decode worker; a client that leaves closes them", async () => {
    const lan = await startServer({ allowPrivateUrls: true });
    try {
      const controller = new AbortController();
      const hanging = post(
        `${lan.url}/v1/classify`,
        {
          images: Array.from({ length: 8 }, (_, i) => `${files.url}/hang?${i}`),
          labels: ["a", "b"],
        },
        { signal: controller.signal },
      ).catch(() => "left");
      // The per-request download cap: 4 at a time.
      assert.ok(await until(() => files.open() >= 4, 3000), "downloads started");
      assert.equal(files.open(), 4);
      // Meanwhile another client's inline image is answered at once.
      const t = Date.now();
      const other = await post(`${lan.url}/v1/classify`, { images: [b64], labels: ["a", "b"] });
      assert.equal(other.status, 200, other.text);
      assert.ok((other.body as Results).results[0].predictions);
      assert.ok(Date.now() - t < 2000, `answered in ${Date.now() - t} ms`);
      controller.abort();
      assert.equal(await hanging, "left");
      assert.ok(
        await until(() => files.open() === 0, 2000),
        `${files.open()} downloads still open`,
      );
      assert.ok(await until(() => lan.app.zeroclip.batcher.depth === 0, 2000));
    } finally {
      await lan.close();
    }
  });

  it("a request's whole time is capped: hanging URLs end in a 504 and their downloads close", async () => {
    const quick = await startServer({ allowPrivateUrls: true, requestTimeoutMs: 500 });
    try {
      const t = Date.now();
      const r = await post(`${quick.url}/v1/classify`, {
        images: [`${files.url}/hang?a`, `${files.url}/hang?b`],
        labels: ["a", "b"],
      });
      assert.equal(r.status, 504, r.text);
      assert.ok(Date.now() - t < 2000);
      assert.ok(
        await until(() => files.open() === 0, 2000),
        `${files.open()} downloads still open`,
      );
    } finally {
      await quick.close();
    }
  });
});
