/**
 * Thousands of explicit image paths on the command line, as a shell glob or `xargs` gives them.
 * onnxruntime-node 1.30's telemetry parses /proc/self/cmdline recursively when its environment
 * is set up and overflows the stack (SIGSEGV, exit 139, nothing printed) from about a thousand
 * paths; zeroclip turns telemetry off (src/model/ort.ts). Each run is the real CLI with a fresh
 * HOME and no ORT_DISABLE_TELEMETRY of its own, so nothing here depends on the caller's setting:
 * - classify: 2,000 paths give 2,000 records in input order, equal to a run on their folder;
 * - embed (2,000 `--image` flags) and index (2,000 inputs) take the same list;
 * - no run leaves ~/.cache/Microsoft behind.
 * The model is the tiny fixture with 32-pixel images (what crashed is the command line, not the
 * images): each run still loads onnxruntime and decodes, preprocesses and embeds every image.
 * (eval reads a dataset: a folder or a list file of path,label, so its inputs never reach the
 * command line.)
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseJsonl, runCliProcess } from "../support/cli.js";
import { makeTempDir, noisePixels, pngFromPixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

const COUNT = 2_000;

describe("a command line with 2,000 image paths", () => {
  let model: string;
  let dir: string;
  let photos: string;
  let home: string;
  const paths: string[] = [];

  before(async () => {
    model = await ensureFixtureModel("tiny", { dims: { imageSize: 32, patchSize: 16 } });
    dir = await makeTempDir("zeroclip-long-argv-");
    // A long folder name, as photo libraries have: ~110 bytes a path, ~220 KB of command line.
    photos = join(dir, "photos-from-the-2019-summer-holiday-in-the-mountains-camera-roll");
    home = join(dir, "home");
    await mkdir(photos);
    await mkdir(home);
    for (let i = 0; i < COUNT; i++) {
      const file = join(photos, `IMG_${String(i).padStart(5, "0")}.png`);
      await writeFile(file, pngFromPixels(noisePixels(6, 5, 3, i + 1)));
      paths.push(file);
    }
  });
  after(() => removeDir(dir));

  /** The CLI with a fresh HOME and onnxruntime's telemetry left to zeroclip. */
  async function run(args: string[]) {
    const env: NodeJS.ProcessEnv = { HOME: home, ORT_DISABLE_TELEMETRY: undefined };
    const r = await runCliProcess(args, env, 300_000);
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-500)}`);
    assert.equal(existsSync(join(home, ".cache", "Microsoft")), false, "telemetry cache written");
    return r;
  }

  type Rec = { input: string; predictions: { label: string; score: number }[] };

  it("classify: every path, in order, scored as a run on the folder scores it", async () => {
    const common = ["--model", model, "-l", "cat,dog,frog", "--format", "jsonl", "--threads", "1"];
    const explicit = parseJsonl((await run(["classify", ...paths, ...common])).stdout) as Rec[];
    assert.deepEqual(
      explicit.map((r) => r.input),
      paths,
    );
    const folder = parseJsonl((await run(["classify", photos, ...common])).stdout) as Rec[];
    const byInput = new Map(folder.map((r) => [r.input, r.predictions]));
    assert.equal(byInput.size, COUNT);
    for (const r of explicit) assert.deepEqual(r.predictions, byInput.get(r.input), r.input);
  });

  it("embed takes 2,000 --image flags", async () => {
    const flags = paths.flatMap((p) => ["--image", p]);
    const r = await run(["embed", ...flags, "--model", model, "--threads", "1"]);
    const records = parseJsonl(r.stdout) as { input: string; embedding: number[] }[];
    assert.deepEqual(
      records.map((x) => x.input),
      paths,
    );
    for (const x of records) assert.ok(x.embedding.length > 0, x.input);
  });

  it("index takes 2,000 inputs", async () => {
    const store = join(dir, "photos.zcstore");
    const r = await run(["index", ...paths, "--store", store, "--model", model, "--threads", "1"]);
    assert.deepEqual(JSON.parse(r.stdout), {
      added: COUNT,
      updated: 0,
      removed: 0,
      unchanged: 0,
      failed: 0,
    });
    // The stored vectors are the images': each one's nearest neighbour is itself.
    const hits = await run(["search", "--store", store, "--image", paths[7], "-k", "1"]);
    assert.match(hits.stdout, /IMG_00007\.png/);
    assert.doesNotMatch(hits.stdout, /IMG_(?!00007)\d{5}\.png/);
  });
});
