import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { expandInputs, IMAGE_EXTENSIONS, readImageSource } from "../../src/image/source.js";
import type { InputErrorCode } from "../../src/util/error-codes.js";
import { InputError } from "../../src/util/errors.js";
import { makeTempDir, removeDir } from "../support/images.js";

/** Asserts an InputError whose message matches `re` and whose code is (one of) `code`. */
async function rejectsInput(
  p: Promise<unknown>,
  re: RegExp,
  code: InputErrorCode | InputErrorCode[],
): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.message, re);
    assert.ok([code].flat().includes(err.code), `${err.code}: ${err.message}`);
    assert.ok(!err.message.includes("\n"));
    return true;
  });
}

const PAYLOAD = new Uint8Array(Array.from({ length: 5000 }, (_, i) => (i * 31) % 256));

describe("readImageSource: files and bytes", () => {
  let dir = "";
  before(async () => {
    dir = await makeTempDir();
    await writeFile(join(dir, "a.png"), PAYLOAD);
    await writeFile(join(dir, "empty.jpg"), new Uint8Array(0));
    await mkdir(join(dir, "folder.jpg"));
  });
  after(() => removeDir(dir));

  it("reads a file, also through a file:// URL", async () => {
    assert.deepEqual(await readImageSource(join(dir, "a.png")), PAYLOAD);
    assert.deepEqual(await readImageSource(pathToFileURL(join(dir, "a.png")).href), PAYLOAD);
  });

  it("passes bytes through", async () => {
    assert.equal(await readImageSource(PAYLOAD), PAYLOAD);
    await rejectsInput(
      readImageSource(new Uint8Array(0)),
      /^empty image bytes/,
      "image_unreadable",
    );
  });

  it("names missing files, folders, empty and oversized files", async () => {
    const missing = join(dir, "nope.jpg");
    await rejectsInput(
      readImageSource(missing),
      new RegExp(`^no such file: ${missing}$`),
      "file_not_found",
    );
    await rejectsInput(
      readImageSource(join(dir, "folder.jpg")),
      /^is a directory, not an image: /,
      "file_unreadable",
    );
    await rejectsInput(
      readImageSource(join(dir, "empty.jpg")),
      /^empty file \(0 bytes\): .*empty\.jpg$/,
      "file_unreadable",
    );
    await rejectsInput(
      readImageSource(join(dir, "a.png"), { maxBytes: 4999 }),
      /^file of 5000 bytes exceeds the 4999 bytes limit: /,
      "input_too_large",
    );
  });
});

describe("readImageSource: http", () => {
  let server: Server;
  let base = "";
  before(async () => {
    server = createServer((req, res) => {
      switch (req.url) {
        case "/ok.png":
          res.writeHead(200, { "content-type": "image/png", "content-length": PAYLOAD.length });
          res.end(PAYLOAD);
          return;
        case "/redirect":
          res.writeHead(302, { location: "/ok.png" });
          res.end();
          return;
        case "/slow":
          res.writeHead(200, { "content-type": "image/png" });
          res.write(PAYLOAD.subarray(0, 10)); // then nothing, ever
          return;
        case "/declared-big":
          res.writeHead(200, { "content-length": 10_000_000 });
          res.write(PAYLOAD);
          return;
        case "/chunked-big":
          res.writeHead(200, { "content-type": "image/png" });
          for (let i = 0; i < 10; i++) res.write(PAYLOAD);
          res.end();
          return;
        case "/empty":
          res.writeHead(200, { "content-length": 0 });
          res.end();
          return;
        default:
          res.writeHead(404, { "content-type": "text/plain" });
          res.end("not found");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("downloads an image, following redirects", async () => {
    assert.deepEqual(await readImageSource(`${base}/ok.png`), PAYLOAD);
    assert.deepEqual(await readImageSource(`${base}/redirect`), PAYLOAD);
  });

  it("reports HTTP errors with the status", async () => {
    await rejectsInput(
      readImageSource(`${base}/missing.jpg`),
      new RegExp(`^HTTP 404 Not Found: ${base}/missing\\.jpg$`),
      "fetch_failed",
    );
  });

  it("times out a stalled download", async () => {
    const t0 = performance.now();
    await rejectsInput(
      readImageSource(`${base}/slow`, { timeoutMs: 300 }),
      /^timed out after 300 ms: /,
      "fetch_timeout",
    );
    assert.ok(performance.now() - t0 < 3000);
  });

  it("caps the size, declared or streamed", async () => {
    await rejectsInput(
      readImageSource(`${base}/declared-big`, { maxBytes: 20_000 }),
      /^download of 9\.5 MiB exceeds the 20000 bytes limit: /,
      "input_too_large",
    );
    await rejectsInput(
      readImageSource(`${base}/chunked-big`, { maxBytes: 20_000 }),
      /^download exceeds the 20000 bytes limit: /,
      "input_too_large",
    );
    assert.equal(
      (await readImageSource(`${base}/chunked-big`, { maxBytes: 50_000 })).length,
      50_000,
    );
  });

  it("refuses an empty body and an unreachable host", async () => {
    await rejectsInput(
      readImageSource(`${base}/empty`),
      /^empty response \(0 bytes\): /,
      "fetch_failed",
    );
    // Port 9 on localhost (discard) is almost never listening.
    await rejectsInput(
      readImageSource("http://127.0.0.1:9/x.jpg", { timeoutMs: 2000 }),
      /^(cannot fetch|timed out)/,
      ["fetch_failed", "fetch_timeout"],
    );
  });
});

describe("expandInputs", () => {
  let dir = "";
  before(async () => {
    dir = await makeTempDir();
    const files = [
      "b.png",
      "a.JPG",
      "notes.txt",
      "sub/z.webp",
      "sub/deeper/c.tiff",
      "sub/deeper/d.gif",
      "Sub2/e.avif",
      ".hidden/x.png",
      "._apple-double.jpg",
    ];
    for (const f of files) {
      await mkdir(join(dir, f, ".."), { recursive: true });
      await writeFile(join(dir, f), "x");
    }
  });
  after(() => removeDir(dir));

  it("expands folders recursively to sorted image files, skipping hidden entries", async () => {
    const got = await expandInputs([dir]);
    assert.deepEqual(
      got,
      ["Sub2/e.avif", "a.JPG", "b.png", "sub/deeper/c.tiff", "sub/deeper/d.gif", "sub/z.webp"].map(
        (f) => join(dir, f),
      ),
    );
  });

  it("passes files, URLs and missing paths through in order", async () => {
    const missing = join(dir, "missing.jpg");
    const inputs = [
      join(dir, "notes.txt"),
      "https://example.com/cat.jpg",
      missing,
      join(dir, "sub", "deeper"),
    ];
    assert.deepEqual(await expandInputs(inputs), [
      join(dir, "notes.txt"),
      "https://example.com/cat.jpg",
      missing,
      join(dir, "sub/deeper/c.tiff"),
      join(dir, "sub/deeper/d.gif"),
    ]);
  });

  it("knows the usual extensions", () => {
    for (const ext of ["jpg", "jpeg", "png", "webp", "gif", "tif", "tiff", "avif"]) {
      assert.ok(IMAGE_EXTENSIONS.has(ext), ext);
    }
    assert.ok(!IMAGE_EXTENSIONS.has("txt"));
  });
});
