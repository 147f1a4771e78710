/**
 * Hub downloads against the loopback hub: the cache layout (checked by reading the files),
 * what is fetched, offline reuse, resume, verification, concurrency.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { lstat, readdir, readFile, readlink, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, before, beforeEach, describe, it } from "node:test";
import { fetchHubModel, type HubModelOptions } from "../../src/model/hub/index.js";
import { NetworkError } from "../../src/util/errors.js";
import { type HubServer, type RepoSpec, startHubServer } from "../support/hub-server.js";
import {
  expectedEtag,
  FOLDER,
  FP32_FILES,
  listTree,
  modelSource,
  REPO,
  sha256,
  tempDir,
  tinyRepo,
} from "./helpers.js";

const TEXT = "onnx/text_model.onnx";

describe("hub download", () => {
  let spec: RepoSpec;
  let server: HubServer;
  let cache: { path: string; remove(): Promise<void> };
  let opts: HubModelOptions;
  const repoDir = () => join(cache.path, FOLDER);
  const bytesOf = (f: string) => spec.files.get(f)!;

  before(async () => {
    delete process.env.HF_HUB_OFFLINE; // offline is what these tests choose, not the caller's shell
    spec = await tinyRepo(await modelSource());
  });
  beforeEach(async () => {
    server = await startHubServer({ repos: { [REPO]: spec } });
    cache = await tempDir("hub");
    opts = { endpoint: server.endpoint, cacheDir: cache.path, token: "", onProgress: () => {} };
  });
  afterEach(async () => {
    await server.close();
    await cache.remove();
  });

  it("downloads into the Hugging Face cache layout", async () => {
    const snap = await fetchHubModel(REPO, opts);
    const commit = server.commitOf(REPO);
    assert.equal(snap.commit, commit);
    assert.equal(snap.dir, join(repoDir(), "snapshots", commit));
    assert.equal(await readFile(join(repoDir(), "refs", "main"), "utf8"), commit);

    const blobs = (await readdir(join(repoDir(), "blobs"))).sort();
    const expected = FP32_FILES.map((f) => expectedEtag(f, bytesOf(f))).sort();
    assert.deepEqual(blobs, expected, "blobs are named by etag, nothing else (no .incomplete)");
    for (const f of FP32_FILES) {
      const pointer = join(snap.dir, f);
      assert.ok((await lstat(pointer)).isSymbolicLink(), `${f} is a symlink`);
      const depth = f.split("/").length + 1;
      const target = `${"../".repeat(depth)}blobs/${expectedEtag(f, bytesOf(f))}`;
      assert.equal(await readlink(pointer), target, `${f} links relatively to its blob`);
      assert.equal(sha256(await readFile(pointer)), sha256(bytesOf(f)), `${f} bytes`);
    }
    assert.deepEqual(
      await listTree(snap.dir),
      [...FP32_FILES].sort(),
      "the snapshot holds exactly the fp32 files",
    );
    assert.deepEqual(await listTree(join(cache.path, ".locks")), [], "no lock left behind");
  });

  it("fetches only the files of the chosen dtype", async () => {
    await fetchHubModel(REPO, opts);
    for (const f of FP32_FILES) assert.equal(server.downloadsOf(f).length, 1, f);
    const untouched = [...spec.files.keys()].filter((f) => !FP32_FILES.includes(f));
    assert.ok(untouched.includes("onnx/text_model_quantized.onnx"));
    for (const f of untouched)
      assert.equal(server.requests.filter((r) => r.file === f).length, 0, `${f} never requested`);

    // q8 adds its two ONNX files and nothing else.
    const before = server.requests.length;
    const q8 = await fetchHubModel(REPO, { ...opts, dtype: "q8" });
    assert.deepEqual(q8.downloaded.sort(), [
      "onnx/text_model_quantized.onnx",
      "onnx/vision_model_quantized.onnx",
    ]);
    const gets = server.requests.slice(before).filter((r) => r.method === "GET" && r.file);
    assert.ok(
      gets.every((r) => r.file?.includes("_quantized")),
      "only q8 bytes fetched",
    );
  });

  it("a warm cache costs one API request online and none offline", async () => {
    const first = await fetchHubModel(REPO, opts);
    const n = server.requests.length;
    const warm = await fetchHubModel(REPO, opts);
    assert.equal(warm.dir, first.dir);
    assert.deepEqual(warm.downloaded, []);
    assert.deepEqual(
      server.requests.slice(n).map((r) => r.url),
      [`/api/models/${REPO}/revision/main`],
    );

    await server.close();
    const t0 = performance.now();
    const offline = await fetchHubModel(REPO, { ...opts, offline: true });
    assert.equal(offline.dir, first.dir);
    assert.ok(performance.now() - t0 < 1000, "offline resolution does not wait on the network");
    // A pinned commit is resolved from the cache even online, without a request.
    const pinned = await fetchHubModel(REPO, { ...opts, revision: first.commit });
    assert.equal(pinned.dir, first.dir);
  });

  it("resumes an interrupted transfer with a Range request", async () => {
    const cutAt = Math.floor(bytesOf(TEXT).length / 4);
    server.cut(TEXT, cutAt);
    await assert.rejects(fetchHubModel(REPO, { ...opts, retries: 0 }), (err: Error) => {
      assert.ok(err instanceof NetworkError);
      assert.match(err.message, /interrupted after \d+ of \d+ bytes.*run again to resume/);
      return true;
    });
    const etag = expectedEtag(TEXT, bytesOf(TEXT));
    const incomplete = join(repoDir(), "blobs", `${etag}.incomplete`);
    const partial = (await stat(incomplete)).size;
    assert.ok(partial > 0 && partial <= cutAt, `partial file of ${partial} bytes`);
    assert.ok(!existsSync(join(repoDir(), "blobs", etag)), "no blob for an interrupted file");
    assert.ok(!existsSync(join(repoDir(), "snapshots", server.commitOf(REPO), TEXT)));

    const snap = await fetchHubModel(REPO, opts);
    const resumed = server.downloadsOf(TEXT).at(-1)!;
    assert.equal(resumed.range, `bytes=${partial}-`);
    assert.equal(resumed.status, 206);
    assert.equal(sha256(await readFile(join(snap.dir, TEXT))), sha256(bytesOf(TEXT)));
    assert.ok(!existsSync(incomplete));
  });

  it("resumes within one call when the connection drops", async () => {
    server.cut(TEXT, Math.floor(bytesOf(TEXT).length / 4), 2);
    const snap = await fetchHubModel(REPO, opts);
    const ranges = server.downloadsOf(TEXT).map((r) => r.range);
    assert.equal(ranges.length, 3);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
    assert.equal(sha256(await readFile(join(snap.dir, TEXT))), sha256(bytesOf(TEXT)));
  });

  it("does not trust a corrupted .incomplete: the checksum fails and it starts over", async () => {
    server.cut(TEXT, Math.floor(bytesOf(TEXT).length / 3));
    await assert.rejects(fetchHubModel(REPO, { ...opts, retries: 0 }), NetworkError);
    const etag = expectedEtag(TEXT, bytesOf(TEXT));
    const incomplete = join(repoDir(), "blobs", `${etag}.incomplete`);
    const data = await readFile(incomplete);
    data.fill(0, 0, 100);
    await writeFile(incomplete, data);

    const snap = await fetchHubModel(REPO, opts);
    const gets = server.downloadsOf(TEXT);
    assert.match(gets.at(-2)?.range ?? "", /^bytes=\d+-$/, "resumed first");
    assert.equal(gets.at(-1)?.range, undefined, "then downloaded from zero");
    assert.equal(sha256(await readFile(join(snap.dir, TEXT))), sha256(bytesOf(TEXT)));
  });

  it("does not keep bytes that fail verification", async () => {
    server.corrupt(TEXT);
    await assert.rejects(fetchHubModel(REPO, opts), (err: Error) => {
      assert.ok(err instanceof NetworkError);
      assert.match(err.message, /does not match its checksum .* not kept/);
      return true;
    });
    const names = await readdir(join(repoDir(), "blobs"));
    const etag = expectedEtag(TEXT, bytesOf(TEXT));
    assert.ok(!names.some((n) => n.startsWith(etag)), "neither blob nor .incomplete kept");
    assert.ok(!existsSync(join(repoDir(), "snapshots", server.commitOf(REPO), TEXT)));
    const snap = await fetchHubModel(REPO, opts);
    assert.equal(sha256(await readFile(join(snap.dir, TEXT))), sha256(bytesOf(TEXT)));
  });

  it("discards an .incomplete longer than the file and a blob of the wrong size", async () => {
    const data = bytesOf(TEXT);
    const etag = expectedEtag(TEXT, data);
    const blobs = join(repoDir(), "blobs");
    await fetchHubModel(REPO, { ...opts, dtype: "q8" }); // creates the folders
    await writeFile(join(blobs, `${etag}.incomplete`), Buffer.concat([data, Buffer.alloc(10)]));
    const vision = "onnx/vision_model.onnx";
    const vEtag = expectedEtag(vision, bytesOf(vision));
    await writeFile(join(blobs, vEtag), bytesOf(vision));
    await truncate(join(blobs, vEtag), 1000);

    const snap = await fetchHubModel(REPO, opts);
    assert.equal(sha256(await readFile(join(snap.dir, TEXT))), sha256(data));
    assert.equal(sha256(await readFile(join(snap.dir, vision))), sha256(bytesOf(vision)));
    assert.equal(server.downloadsOf(TEXT).at(-1)?.range, undefined);
  });

  it("two concurrent downloads of one model both succeed, each file fetched once", async () => {
    await server.close();
    server = await startHubServer({ repos: { [REPO]: spec }, chunkDelayMs: 1 });
    opts.endpoint = server.endpoint;
    const [a, b] = await Promise.all([fetchHubModel(REPO, opts), fetchHubModel(REPO, opts)]);
    assert.equal(a.dir, b.dir);
    for (const f of FP32_FILES) {
      assert.equal(sha256(await readFile(join(a.dir, f))), sha256(bytesOf(f)), f);
      assert.equal(server.downloadsOf(f).length, 1, `${f} transferred once`);
    }
    assert.deepEqual(await listTree(join(cache.path, ".locks")), []);
  });
});
