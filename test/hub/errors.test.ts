/**
 * One-line errors of hub resolution: unknown repo, gated repo, missing dtype, not CLIP,
 * offline with a cold cache, no network; and the token: sent as Bearer, never stored.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, before, beforeEach, describe, it } from "node:test";
import {
  acquireLock,
  fetchHubModel,
  type HubModelOptions,
  listCachedModels,
} from "../../src/model/hub/index.js";
import type { Lock, LockOptions } from "../../src/model/hub/lock.js";
import { resolveModelDir } from "../../src/model/resolve.js";
import type { ModelErrorCode, NetworkErrorCode } from "../../src/util/error-codes.js";
import { ModelError, NetworkError } from "../../src/util/errors.js";
import { type HubServer, type RepoSpec, startHubServer } from "../support/hub-server.js";
import {
  anyFileContains,
  bertRepo,
  FOLDER,
  modelSource,
  REPO,
  tempDir,
  tinyRepo,
} from "./helpers.js";

const TOKEN = "hf_zeroclipTestToken0123456789";

function rejectsWith(
  kind: typeof ModelError | typeof NetworkError,
  pattern: RegExp,
  code: ModelErrorCode | NetworkErrorCode,
) {
  return (err: Error) => {
    assert.ok(err instanceof kind, `${err.name}: ${err.message}`);
    assert.match(err.message, pattern);
    assert.equal((err as ModelError | NetworkError).code, code, err.message);
    assert.ok(!err.message.includes("\n"), "one line");
    assert.ok(!err.message.includes(TOKEN), "the token is never in a message");
    return true;
  };
}

describe("hub errors", () => {
  let spec: RepoSpec;
  let server: HubServer;
  let cache: { path: string; remove(): Promise<void> };
  let opts: HubModelOptions;
  const onnxRequests = () => server.requests.filter((r) => r.file?.endsWith(".onnx"));

  before(async () => {
    delete process.env.HF_HUB_OFFLINE; // offline is what these tests choose, not the caller's shell
    spec = await tinyRepo(await modelSource());
  });
  beforeEach(async () => {
    server = await startHubServer({
      repos: {
        [REPO]: spec,
        "acme/gated-clip": { ...spec, token: TOKEN },
        "acme/bert": bertRepo(),
        "acme/tagged": { ...spec, revisions: { v1: "1".repeat(40) } },
      },
    });
    cache = await tempDir("hub-err");
    opts = { endpoint: server.endpoint, cacheDir: cache.path, token: "", onProgress: () => {} };
  });
  afterEach(async () => {
    await server.close();
    await cache.remove();
  });

  it("an unknown repo is a ModelError", async () => {
    await assert.rejects(
      fetchHubModel("acme/nope", opts),
      rejectsWith(
        ModelError,
        /repository acme\/nope not found on http:.*set HF_TOKEN/,
        "model_not_found",
      ),
    );
    await assert.rejects(
      resolveModelDir("acme/nope", opts),
      rejectsWith(ModelError, /not found/, "model_not_found"),
      "through resolveModelDir too",
    );
  });

  it("a gated repo without a token says to set HF_TOKEN; with one, the token is sent as Bearer", async () => {
    await assert.rejects(
      fetchHubModel("acme/gated-clip", opts),
      rejectsWith(
        ModelError,
        /acme\/gated-clip is gated: accept its terms .* set HF_TOKEN/,
        "model_access_denied",
      ),
    );
    await assert.rejects(
      fetchHubModel("acme/gated-clip", { ...opts, token: "hf_wrong" }),
      rejectsWith(ModelError, /gated and HF_TOKEN has no access/, "model_access_denied"),
    );
    server.requests.length = 0;
    const snap = await fetchHubModel("acme/gated-clip", { ...opts, token: TOKEN });
    assert.ok(existsSync(join(snap.dir, "onnx/text_model.onnx")));
    const hubRequests = server.requests.filter((r) => !r.cdn);
    assert.ok(hubRequests.length > 0);
    for (const r of hubRequests) assert.equal(r.authorization, `Bearer ${TOKEN}`, r.url);
    const cdn = server.requests.filter((r) => r.cdn);
    assert.ok(cdn.length > 0);
    for (const r of cdn) assert.equal(r.authorization, undefined, "no token to another origin");
    assert.equal(await anyFileContains(cache.path, TOKEN), undefined, "token not in the cache");
  });

  it("a missing dtype lists the dtypes the repo has, before any ONNX request", async () => {
    await assert.rejects(
      fetchHubModel(REPO, { ...opts, dtype: "fp16" }),
      rejectsWith(
        ModelError,
        /has no fp16 ONNX files .*available dtypes: fp32, q8/,
        "model_file_missing",
      ),
    );
    assert.deepEqual(onnxRequests(), []);
  });

  it("without the hub API (a mirror), downloads work and a missing dtype is still explained", async () => {
    await server.close();
    server = await startHubServer({ repos: { [REPO]: spec }, api: false });
    opts.endpoint = server.endpoint;
    await assert.rejects(
      fetchHubModel(REPO, { ...opts, dtype: "fp16" }),
      rejectsWith(
        ModelError,
        /has no fp16 ONNX files .*available dtypes: fp32, q8/,
        "model_file_missing",
      ),
    );
    const snap = await fetchHubModel(REPO, opts);
    assert.ok(existsSync(join(snap.dir, "onnx/vision_model.onnx")));
    assert.equal(
      await readFile(join(cache.path, FOLDER, "refs", "main"), "utf8"),
      server.commitOf(REPO),
    );
  });

  it("an API answer that is JSON but not an object (null) falls back to HEAD requests", async () => {
    for (const body of ["null", '"ok"', "42"]) {
      const snap = await fetchHubModel(REPO, {
        ...opts,
        fetch: (url, init) =>
          String(url).includes("/api/models/")
            ? Promise.resolve(
                new Response(body, { headers: { "content-type": "application/json" } }),
              )
            : fetch(url, init),
      });
      assert.equal(snap.commit, server.commitOf(REPO));
    }
  });

  it("a repo that is not CLIP is refused before its ONNX files are fetched", async () => {
    await assert.rejects(
      fetchHubModel("acme/bert", opts),
      rejectsWith(
        ModelError,
        /acme\/bert: unknown model family \(model_type "bert", BertModel\)/,
        "model_family_unknown",
      ),
    );
    assert.deepEqual(onnxRequests(), []);
    assert.deepEqual(await listCachedModels(cache.path), [], "not listed as a CLIP model");
  });

  it("offline with a cold cache says to pull first, without any request", async () => {
    await assert.rejects(
      fetchHubModel(REPO, { ...opts, offline: true }),
      rejectsWith(
        ModelError,
        /offline and acme\/tiny-clip is not in the cache .*zeroclip pull/,
        "model_not_cached",
      ),
    );
    assert.equal(server.requests.length, 0);
    await fetchHubModel(REPO, opts);
    await assert.rejects(
      fetchHubModel(REPO, { ...opts, offline: true, dtype: "q8" }),
      rejectsWith(
        ModelError,
        /dtype q8 .* not cached \(cached: fp32\).*--dtype q8/,
        "model_not_cached",
      ),
    );
  });

  it("no network: the cached snapshot is used with a warning; an uncached model is a NetworkError", async () => {
    const first = await fetchHubModel(REPO, opts);
    await server.close();
    const lines: string[] = [];
    const again = await fetchHubModel(REPO, { ...opts, onMessage: (l) => lines.push(l) });
    assert.equal(again.dir, first.dir);
    assert.deepEqual(again.downloaded, []);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /cannot reach http:.*using the cached acme\/tiny-clip@[0-9a-f]{12}/);
    await assert.rejects(
      fetchHubModel("acme/other", opts),
      rejectsWith(
        NetworkError,
        /cannot reach .* to download acme\/other; check the network/,
        "network_unreachable",
      ),
    );
  });

  it("revisions: a tag is recorded in refs/, an unknown one is an error, bad names are refused", async () => {
    const snap = await fetchHubModel("acme/tagged", { ...opts, revision: "v1" });
    assert.equal(snap.commit, "1".repeat(40));
    const refs = join(cache.path, "models--acme--tagged", "refs");
    assert.equal(await readFile(join(refs, "v1"), "utf8"), "1".repeat(40));
    const offline = await fetchHubModel("acme/tagged", { ...opts, revision: "v1", offline: true });
    assert.equal(offline.dir, snap.dir);
    await assert.rejects(
      fetchHubModel("acme/tagged", { ...opts, revision: "v9" }),
      rejectsWith(ModelError, /revision v9 not found in acme\/tagged/, "revision_not_found"),
    );
    await assert.rejects(
      fetchHubModel(REPO, { ...opts, revision: "../../etc" }),
      rejectsWith(ModelError, /not a valid revision/, "revision_not_found"),
    );
    await assert.rejects(
      fetchHubModel("acme/a--b", opts),
      rejectsWith(ModelError, /not a hub repo id/, "model_not_found"),
    );
  });

  it("a stalled transfer times out with a resumable error", async () => {
    server.stall("onnx/text_model.onnx", 10_000);
    const saved = process.env.HF_HUB_DOWNLOAD_TIMEOUT;
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = "0.5";
    try {
      await assert.rejects(
        fetchHubModel(REPO, { ...opts, retries: 0 }),
        rejectsWith(NetworkError, /interrupted after \d+ of \d+ bytes \(timed out\)/, "network"),
      );
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_DOWNLOAD_TIMEOUT;
      else process.env.HF_HUB_DOWNLOAD_TIMEOUT = saved;
    }
    const snap = await fetchHubModel(REPO, opts);
    assert.ok(existsSync(join(snap.dir, "onnx/text_model.onnx")));
  });
});

describe("download lock", () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeEach(async () => {
    dir = await tempDir("lock");
  });
  afterEach(() => dir.remove());

  it("is exclusive, and released locks can be taken again", async () => {
    const path = join(dir.path, "x.lock");
    const a = await acquireLock(path);
    let waited = false;
    const b = acquireLock(path, { pollMs: 10, onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(waited, "the second caller waits");
    await a.release();
    const held = await b;
    await held.release();
    assert.ok(!existsSync(path));
  });

  /**
   * Take the lock within `ms` or fail. A regression that never breaks the lock then fails here
   * instead of hanging the suite: on timeout the lock file is removed so the abandoned waiter
   * ends, and what it takes is released.
   */
  async function acquireWithin(path: string, opts: LockOptions, ms: number): Promise<Lock> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`lock not taken within ${ms} ms`)), ms);
    });
    const pending = acquireLock(path, opts);
    try {
      return await Promise.race([pending, limit]);
    } catch (err) {
      await rm(path, { force: true });
      await (await pending).release();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  it("breaks the lock of a dead process and a lock nobody refreshes", {
    timeout: 30_000,
  }, async () => {
    const path = join(dir.path, "y.lock");
    await mkdir(dir.path, { recursive: true });
    // pid 2^22+1 is above Linux's pid_max default; treated as dead.
    await writeFile(path, JSON.stringify({ pid: 4194305, host: hostname(), token: "dead" }));
    await (await acquireWithin(path, { pollMs: 10 }, 1000)).release();

    await writeFile(path, "garbage from a crash");
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    await (await acquireWithin(path, { pollMs: 10, staleMs: 5_000 }, 2000)).release();
  });
});
