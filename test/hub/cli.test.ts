/**
 * The "done when", end to end through bin/zeroclip.js: classify with a hub repo id
 * downloads into an HF-layout cache; the same run offline with the hub gone gives the same
 * output; a download killed half-way is completed by the next run. Plus `pull` and `models`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { type CliRun, parseJsonl, runCli, runCliProcess } from "../support/cli.js";
import { type HubServer, type RepoSpec, startHubServer } from "../support/hub-server.js";
import { cliPath, sharedPath } from "../support/paths.js";
import {
  anyFileContains,
  bertRepo,
  expectedEtag,
  FOLDER,
  FP32_FILES,
  modelSource,
  REPO,
  sha256,
  tempDir,
  tinyRepo,
} from "./helpers.js";

const TEXT = "onnx/text_model.onnx";
const TOKEN = "hf_cliSecretToken9876543210";

describe("hub end to end through the CLI", () => {
  let src: string;
  let spec: RepoSpec;
  let work: { path: string; remove(): Promise<void> };
  let image: string;
  const servers: HubServer[] = [];
  const serve = async (opts: { chunkDelayMs?: number } = {}) => {
    const s = await startHubServer({
      repos: {
        [REPO]: spec,
        "acme/bert": bertRepo(),
        "acme/gated-clip": { ...spec, token: TOKEN },
      },
      ...opts,
    });
    servers.push(s);
    return s;
  };

  before(async () => {
    src = await modelSource();
    spec = await tinyRepo(src);
    work = await tempDir("hub-cli");
    const jpeg = sharedPath("models", "tiny-clip", "reference-images", "n01644373_tree_frog.JPEG");
    if (jpeg) image = jpeg;
    else {
      image = join(work.path, "image.png");
      await sharp({ create: { width: 64, height: 48, channels: 3, background: "#3a7" } })
        .png()
        .toFile(image);
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    await work.remove();
  });

  /** Environment of a run: its own cache, no real token file, online unless told. */
  const env = (cache: string, endpoint: string, extra: NodeJS.ProcessEnv = {}) => ({
    HF_ENDPOINT: endpoint,
    HF_HUB_CACHE: cache,
    HF_HOME: join(work.path, "hf-home"),
    HF_TOKEN: "",
    HF_HUB_OFFLINE: "",
    ...extra,
  });
  const classify = (model: string, e: NodeJS.ProcessEnv): Promise<CliRun> =>
    runCli(["classify", "--model", model, image, "--labels", "a,b", "--format", "jsonl"], e);

  it("downloads on the first run, runs offline on the second, resumes a killed download", async () => {
    const cache = join(work.path, "cache-done-when");
    const server = await serve();

    // 1. The hub drops the connection in the middle of the text model, on every attempt
    //    (the CLI resumes 3 times within a run: 4 × 1/8 of the file is still half of it).
    server.cut(TEXT, Math.floor(spec.files.get(TEXT)!.length / 8), 10);
    const killed = await classify(REPO, env(cache, server.endpoint));
    assert.equal(killed.code, 4, killed.stderr);
    assert.match(
      killed.stderr,
      /^zeroclip: download of acme\/tiny-clip\/onnx\/text_model\.onnx interrupted after \d+ of \d+ bytes .*run again to resume\n$/,
    );
    const etag = expectedEtag(TEXT, spec.files.get(TEXT)!);
    const blobs = join(cache, FOLDER, "blobs");
    const partial = (await stat(join(blobs, `${etag}.incomplete`))).size;
    assert.ok(partial > 0 && partial < spec.files.get(TEXT)!.length);
    assert.ok(!existsSync(join(blobs, etag)), "a killed download leaves no trusted blob");
    assert.ok(!existsSync(join(cache, FOLDER, "refs", "main")), "no ref to an incomplete snapshot");

    // 2. The next run completes it with a Range request and classifies.
    server.reset();
    const first = await classify(REPO, env(cache, server.endpoint));
    assert.equal(first.code, 0, first.stderr);
    const resumed = server.downloadsOf(TEXT).at(-1)!;
    assert.equal(resumed.range, `bytes=${partial}-`);
    const records = parseJsonl(first.stdout);
    assert.equal(records.length, 1);
    assert.equal((records[0].predictions as unknown[]).length, 2);

    // The cache has the HF layout, read from the files.
    const commit = server.commitOf(REPO);
    assert.equal(await readFile(join(cache, FOLDER, "refs", "main"), "utf8"), commit);
    const snapshot = join(cache, FOLDER, "snapshots", commit);
    for (const f of FP32_FILES) {
      const data = spec.files.get(f)!;
      const depth = f.split("/").length + 1;
      assert.equal(
        await readlink(join(snapshot, f)),
        `${"../".repeat(depth)}blobs/${expectedEtag(f, data)}`,
      );
      assert.equal(sha256(await readFile(join(snapshot, f))), sha256(data), f);
    }
    assert.ok(!(await readdir(blobs)).some((n) => n.endsWith(".incomplete")));

    // Same output as the local directory.
    const local = await classify(src, env(cache, server.endpoint));
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(
      parseJsonl(first.stdout).map((r) => r.predictions),
      parseJsonl(local.stdout).map((r) => r.predictions),
    );

    // 3. The hub is gone: offline gives the same output, quickly.
    await server.close();
    const t0 = Date.now();
    const offline = await classify(REPO, env(cache, server.endpoint, { HF_HUB_OFFLINE: "1" }));
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(offline.stdout, first.stdout);
    assert.ok(Date.now() - t0 < 20_000);
    const flag = await runCli(
      ["classify", "--offline", "-m", REPO, image, "-l", "a,b", "--format", "jsonl"],
      env(cache, server.endpoint),
    );
    assert.equal(flag.stdout, first.stdout, "--offline does the same");

    // Online without a hub: the cached snapshot is used, with a warning on stderr.
    const down = await classify(REPO, env(cache, server.endpoint));
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, first.stdout);
    assert.match(down.stderr, /cannot reach .*using the cached acme\/tiny-clip@/);
  });

  it("a process killed mid-download leaves nothing trusted; the next run resumes it", async () => {
    const cache = join(work.path, "cache-killed");
    const server = await serve({ chunkDelayMs: 20 });
    const etag = expectedEtag(TEXT, spec.files.get(TEXT)!);
    const incomplete = join(cache, FOLDER, "blobs", `${etag}.incomplete`);
    const child = spawn(process.execPath, [cliPath, "pull", REPO], {
      env: { ...process.env, ...env(cache, server.endpoint) },
      stdio: "ignore",
    });
    const exited = new Promise((r) => child.once("exit", r));
    // Kill it once a quarter of the text model has arrived (bounded wait).
    const quarter = spec.files.get(TEXT)!.length / 4;
    for (let i = 0; i < 600; i++) {
      if (((await stat(incomplete).catch(() => undefined))?.size ?? 0) > quarter) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await exited;
    const partial = (await stat(incomplete)).size;
    assert.ok(partial > 0 && partial < spec.files.get(TEXT)!.length, `${partial} bytes`);
    assert.ok(!existsSync(join(cache, FOLDER, "blobs", etag)));
    assert.ok(
      (await readdir(join(cache, ".locks", FOLDER))).some((n) => n.endsWith(".lock")),
      "the killed process left its lock behind",
    );

    const t0 = Date.now();
    const next = await runCli(["pull", REPO], env(cache, server.endpoint));
    assert.equal(next.code, 0, next.stderr);
    assert.ok(Date.now() - t0 < 60_000, "the dead process's lock is broken at once");
    const resumed = server.downloadsOf(TEXT).at(-1)!;
    assert.match(resumed.range ?? "", /^bytes=\d+-$/);
    const dir = next.stdout.trim();
    assert.equal(sha256(await readFile(join(dir, TEXT))), sha256(spec.files.get(TEXT)!));
    assert.deepEqual(await readdir(join(cache, ".locks", FOLDER)), []);
  });

  it("two concurrent `pull`s of one model both succeed with intact files", async () => {
    const cache = join(work.path, "cache-concurrent");
    const server = await serve({ chunkDelayMs: 2 });
    // Two processes: in-process runs would take turns.
    const [a, b] = await Promise.all([
      runCliProcess(["pull", REPO], env(cache, server.endpoint)),
      runCliProcess(["pull", REPO], env(cache, server.endpoint)),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout);
    const dir = a.stdout.trim();
    assert.equal(dir, join(cache, FOLDER, "snapshots", server.commitOf(REPO)));
    for (const f of FP32_FILES)
      assert.equal(sha256(await readFile(join(dir, f))), sha256(spec.files.get(f)!), f);
    for (const f of ["onnx/text_model.onnx", "onnx/vision_model.onnx"])
      assert.equal(server.downloadsOf(f).length, 1, `${f} transferred once`);
  });

  it("`pull` and `models`: dtypes, revisions, sizes; non-CLIP repos are refused and not listed", async () => {
    const cache = join(work.path, "cache-models");
    const server = await serve();
    const e = env(cache, server.endpoint);
    const empty = await runCli(["models", "--format", "json"], e);
    assert.equal(empty.code, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), []);

    assert.equal((await runCli(["pull", REPO], e)).code, 0);
    const q8 = await runCli(["pull", REPO, "--dtype", "q8"], e);
    assert.equal(q8.code, 0, q8.stderr);
    const bert = await runCli(["pull", "acme/bert"], e);
    assert.equal(bert.code, 3);
    assert.match(bert.stderr, /^zeroclip: acme\/bert: unknown model family \(model_type "bert"/);
    const fp16 = await runCli(["pull", REPO, "--dtype", "fp16"], e);
    assert.equal(fp16.code, 3);
    assert.match(fp16.stderr, /available dtypes: fp32, q8/);
    const missing = await runCli(["pull", "acme/missing"], e);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /^zeroclip: repository acme\/missing not found/);

    const listed = await runCli(["models", "--format", "json"], e);
    assert.equal(listed.code, 0, listed.stderr);
    const models = JSON.parse(listed.stdout) as Record<string, unknown>[];
    assert.equal(models.length, 1);
    const m = models[0];
    const expectedBytes = [
      ...FP32_FILES,
      "onnx/text_model_quantized.onnx",
      "onnx/vision_model_quantized.onnx",
    ]
      .map((f) => spec.files.get(f)!.length)
      .reduce((x, y) => x + y, 0);
    assert.deepEqual(m, {
      repo: REPO,
      commit: server.commitOf(REPO),
      refs: ["main"],
      dtypes: ["fp32", "q8"],
      bytes: expectedBytes,
      dir: join(cache, FOLDER, "snapshots", server.commitOf(REPO)),
    });
    const jsonl = await runCli(["models", "--format", "jsonl"], e);
    assert.deepEqual(parseJsonl(jsonl.stdout), models);
    const table = await runCli(["models", "--format", "table"], e);
    assert.match(table.stdout, /^model\s+revision\s+dtypes\s+size\s+directory\n/);
    assert.match(table.stdout, /acme\/tiny-clip\s+main [0-9a-f]{10}\s+fp32,q8\s+\d/);

    // Offline pull only checks the cache.
    await server.close();
    const cached = await runCli(["pull", REPO, "--offline"], e);
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stderr, /is cached/);
    const cold = await runCli(["pull", "acme/other"], { ...e, HF_HUB_OFFLINE: "1" });
    assert.equal(cold.code, 3);
    assert.match(cold.stderr, /offline and acme\/other is not in the cache/);
  });

  it("HF_TOKEN opens a gated repo and is never printed or written", async () => {
    const cache = join(work.path, "cache-gated");
    const server = await serve();
    const denied = await runCli(["pull", "acme/gated-clip"], env(cache, server.endpoint));
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /is gated: .*set HF_TOKEN/);
    const ok = await runCli(
      ["pull", "acme/gated-clip"],
      env(cache, server.endpoint, { HF_TOKEN: TOKEN }),
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!ok.stdout.includes(TOKEN) && !ok.stderr.includes(TOKEN));
    assert.ok(server.requests.some((r) => r.authorization === `Bearer ${TOKEN}`));
    assert.equal(await anyFileContains(cache, TOKEN), undefined);
  });

  it("--help of pull and models shows examples", async () => {
    for (const cmd of ["pull", "models"]) {
      const r = await runCli([cmd, "--help"]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Examples:\n {2}zeroclip /);
    }
    const models = await runCli(["models", "--help"]);
    assert.match(models.stdout, /--format <format>/);
  });
});
