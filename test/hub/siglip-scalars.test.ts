/**
 * A SigLIP model by hub id: the download fetches the two towers, not onnx/model.onnx, and the
 * logit_scale / logit_bias come from the remote onnx/model.onnx through a few HTTP Range
 * requests. Classify gives the same probabilities as the local directory that has the file;
 * the values are remembered in zeroclip's cache (not the hub's), so the next run, and an offline
 * one, ask nothing more; a server without Range support gives the one-line error.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { parseJsonl, runCli } from "../support/cli.js";
import { type RepoSpec, repoFromDir, startHubServer } from "../support/hub-server.js";
import { ensureSiglipFixture } from "../support/model-gen/siglip/index.js";
import { listTree, tempDir } from "./helpers.js";

const REPO = "acme/tiny-siglip";
const FOLDER = "models--acme--tiny-siglip";
const FULL = "onnx/model.onnx";

describe("SigLIP scale and bias from a hub repo, without downloading onnx/model.onnx", () => {
  let src: string;
  let spec: RepoSpec;
  let work: { path: string; remove(): Promise<void> };
  let image: string;

  before(async () => {
    src = await ensureSiglipFixture("siglip-tiny");
    spec = await repoFromDir(src);
    assert.ok(spec.files.has(FULL), "the served repo has the joint graph");
    work = await tempDir("hub-siglip");
    image = join(work.path, "image.png");
    await sharp({ create: { width: 40, height: 30, channels: 3, background: "#c42" } })
      .png()
      .toFile(image);
  });
  after(() => work.remove());

  const env = (name: string, endpoint: string, extra: NodeJS.ProcessEnv = {}) => ({
    HF_ENDPOINT: endpoint,
    HF_HUB_CACHE: join(work.path, name, "hf"),
    HF_HOME: join(work.path, "hf-home"),
    HF_TOKEN: "",
    HF_HUB_OFFLINE: "",
    ZEROCLIP_CACHE: join(work.path, name, "zeroclip"),
    ...extra,
  });
  const classify = (model: string, e: NodeJS.ProcessEnv) =>
    runCli(["classify", "-m", model, image, "-l", "red,green,blue", "--format", "jsonl"], e);
  const predictions = (stdout: string) => parseJsonl(stdout).map((r) => r.predictions);

  it("classifies like the local directory, with few Range requests, then asks nothing more", async () => {
    const server = await startHubServer({ repos: { [REPO]: spec } });
    try {
      const e = env("ranges", server.endpoint);
      const hub = await classify(REPO, e);
      assert.equal(hub.code, 0, hub.stderr);
      const local = await classify(src, e);
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual(predictions(hub.stdout), predictions(local.stdout));
      // Sigmoid scores: independent per label, so they need not sum to 1 (guards against a
      // silent fallback to softmax).
      const scores = (predictions(hub.stdout)[0] as { score: number }[]).map((p) => p.score);
      assert.notEqual(Math.round(scores.reduce((a, b) => a + b, 0) * 1e6), 1e6);

      // onnx/model.onnx was never downloaded: only bounded Range reads of it.
      const full = server.requests.filter((r) => r.file === FULL && r.method === "GET");
      const size = spec.files.get(FULL)!.length;
      assert.ok(full.length >= 1 && full.length <= 8, `${full.length} requests`);
      let read = 0;
      for (const r of full) {
        assert.equal(r.status, 206);
        const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? "");
        assert.ok(m, `a bounded range, got ${r.range}`);
        read += Number(m[2]) - Number(m[1]) + 1;
      }
      assert.ok(read <= 8 * 65536 && read <= size, `${read} of ${size} bytes read`);
      const snapshot = join(e.HF_HUB_CACHE, FOLDER, "snapshots", server.commitOf(REPO));
      assert.ok(!existsSync(join(snapshot, FULL)), "the snapshot has no onnx/model.onnx");
      // Nothing invented in the hub cache: every blob is a file the hub served.
      const blobs = await readdir(join(e.HF_HUB_CACHE, FOLDER, "blobs"));
      assert.equal(blobs.length, (await listTree(snapshot)).length);
      // The values are in zeroclip's cache, keyed by repo and commit, with the file's etag.
      const memo = join(e.ZEROCLIP_CACHE, "hub-scalars", FOLDER, `${server.commitOf(REPO)}.json`);
      const rec = JSON.parse(await readFile(memo, "utf8"));
      assert.equal(rec.path, FULL);
      assert.equal(rec.size, size);

      // A second online run: the API request, nothing about onnx/model.onnx.
      const before = server.requests.length;
      const again = await classify(REPO, e);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, hub.stdout);
      const later = server.requests.slice(before);
      assert.deepEqual(
        later.filter((r) => r.file === FULL),
        [],
      );
      assert.ok(later.length <= 1, later.map((r) => `${r.method} ${r.url}`).join(", "));

      // Offline with the hub gone: the remembered values, the same output.
      await server.close();
      const offline = await classify(REPO, { ...e, HF_HUB_OFFLINE: "1" });
      assert.equal(offline.code, 0, offline.stderr);
      assert.equal(offline.stdout, hub.stdout);
    } finally {
      await server.close();
    }
  });

  it("a new commit with the same onnx/model.onnx reuses the values: one HEAD, no Range read", async () => {
    const first = await startHubServer({ repos: { [REPO]: spec } });
    const e = env("moved", first.endpoint);
    let out: string;
    try {
      const run = await classify(REPO, e);
      assert.equal(run.code, 0, run.stderr);
      out = run.stdout;
    } finally {
      await first.close();
    }
    const moved = await startHubServer({ repos: { [REPO]: { ...spec, commit: "b".repeat(40) } } });
    try {
      const run = await classify(REPO, { ...e, HF_ENDPOINT: moved.endpoint });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, out);
      const full = moved.requests.filter((r) => r.file === FULL);
      assert.deepEqual(
        full.map((r) => r.method),
        ["HEAD"],
      );
      const memo = join(e.ZEROCLIP_CACHE, "hub-scalars", FOLDER, `${"b".repeat(40)}.json`);
      assert.ok(existsSync(memo), "remembered for the new commit too");
    } finally {
      await moved.close();
    }
  });

  it("a server without Range support: the one-line error; the flags still work", async () => {
    const server = await startHubServer({ repos: { [REPO]: spec }, ranges: false });
    try {
      const e = env("no-ranges", server.endpoint);
      const run = await classify(REPO, e);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /^zeroclip: [^\n]*does not answer Range requests[^\n]*\n$/);
      assert.match(run.stderr, /--logit-scale and --logit-bias/);
      // It stopped reading at the first whole-file answer.
      const full = server.requests.filter((r) => r.file === FULL && r.method === "GET");
      assert.equal(full.length, 1);
      const flags = await runCli(
        [
          "classify",
          "-m",
          REPO,
          image,
          "-l",
          "red,green,blue",
          "--format",
          "jsonl",
          "--logit-scale",
          "10",
          "--logit-bias",
          "-2.5",
        ],
        e,
      );
      assert.equal(flags.code, 0, flags.stderr);
      // pull succeeds (the towers are what it downloads) and says why the values are missing.
      const pull = await runCli(["pull", REPO], e);
      assert.equal(pull.code, 0, pull.stderr);
      assert.match(pull.stderr, /^note: [^\n]*does not answer Range requests/m);
    } finally {
      await server.close();
    }
  });
});
