/**
 * A cold start pays only for what the job uses:
 * - the tokenizer is built on the first text: a model whose tokenizer.json is broken still loads
 *   and embeds images, and the first text then fails with a one-line ModelError naming the file
 *   (a missing tokenizer.json is still refused at load);
 * - the preprocessing pool starts workers as the work needs them: one image starts one worker
 *   thread, however many are allowed; eight images in batches of two start the three allowed
 *   (seen from outside with test/support/observe-hook.ts).
 */
import assert from "node:assert/strict";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { ModelError } from "../../src/util/errors.js";
import { runCliProcess } from "../support/cli.js";
import { makeTempDir, noisePixels, pngFromPixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { observeEnv, readObserved } from "../support/observe.js";

describe("lazy start", () => {
  let model: string;
  let dir: string;
  const images: string[] = [];

  before(async () => {
    model = await ensureFixtureModel("tiny");
    dir = await makeTempDir("zeroclip-lazy-");
    for (let i = 0; i < 8; i++) {
      const file = join(dir, `img${i}.png`);
      await writeFile(file, pngFromPixels(noisePixels(20 + i, 16, 3, 40 + i)));
      images.push(file);
    }
  });
  after(() => removeDir(dir));

  /** A copy of the tiny model (files linked) whose tokenizer.json is `tokenizer`, or absent. */
  async function modelWithTokenizer(name: string, tokenizer: string | undefined) {
    const copy = join(dir, name);
    await mkdir(copy);
    for (const f of await readdir(model)) {
      if (f !== "tokenizer.json") await symlink(join(model, f), join(copy, f));
    }
    if (tokenizer !== undefined) await writeFile(join(copy, "tokenizer.json"), tokenizer);
    return copy;
  }

  it("builds the tokenizer on the first text, not at load", async () => {
    const broken = await modelWithTokenizer("broken", "{ not json");
    const m = await ClipModel.load(broken, { preprocessWorkers: 1, threads: 1 });
    try {
      const [r] = await m.embedImages([images[0]]);
      assert.ok(r.embedding && r.embedding.length > 0, r.error);
      await assert.rejects(
        m.embedTexts(["a photo of a cat"]),
        (err: unknown) =>
          err instanceof ModelError &&
          /cannot read tokenizer\.json/.test(err.message) &&
          !err.message.includes("\n"),
      );
    } finally {
      await m.dispose();
    }
    const missing = await modelWithTokenizer("missing", undefined);
    await assert.rejects(ClipModel.load(missing), /tokenizer\.json/);
  });

  it("starts preprocessing workers as the work needs them", async () => {
    const workersStarted = async (inputs: string[], name: string) => {
      const log = join(dir, `${name}.jsonl`);
      const args = ["embed", "--model", model, "--workers", "3", "--batch-size", "2"];
      const run = await runCliProcess(
        [...args, ...inputs.flatMap((i) => ["--image", i])],
        observeEnv(log),
      );
      assert.equal(run.code, 0, run.stderr);
      return readObserved(log).filter((e) => e.event === "worker-start").length;
    };
    assert.equal(await workersStarted(images.slice(0, 1), "one"), 1);
    assert.equal(await workersStarted(images, "eight"), 3);
  });
});
