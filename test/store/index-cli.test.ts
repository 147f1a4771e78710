/**
 * `zeroclip index` end to end on a generated colour dataset and the probe model: the counts
 * after adding, touching, changing and deleting files, failures recorded and retried, the model
 * recorded and another model refused, and the stored embeddings equal to `zeroclip embed`'s.
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openStore } from "../../src/store/open.js";
import type { StoredInfo, VectorStore } from "../../src/store/types.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

async function collectList(s: VectorStore): Promise<StoredInfo[]> {
  const out: StoredInfo[] = [];
  for await (const page of s.list()) out.push(...page);
  return out;
}

describe("zeroclip index (probe model, generated images)", () => {
  let dir: string;
  let probe: string;
  let tiny: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let store: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-index-"));
    [probe, tiny] = await Promise.all([ensureFixtureModel("probe"), ensureFixtureModel("tiny")]);
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 3 });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    store = join(dir, "photos.zcstore");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const index = async (...extra: string[]) => {
    const run = await runCli(
      ["index", ds.root, "--store", store, "--format", "json", "--batch-size", "4", ...extra],
      env,
    );
    return { ...run, counts: run.stdout.trim() ? JSON.parse(run.stdout) : undefined };
  };
  const counts = (
    added: number,
    updated: number,
    removed: number,
    unchanged: number,
    failed: number,
  ) => ({
    added,
    updated,
    removed,
    unchanged,
    failed,
  });

  it("adds every image, records the corrupt one as failed (exit 1)", async () => {
    const run = await index("--model", probe);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(run.counts, counts(ds.images.length, 0, 0, 0, 1));
    assert.match(run.stderr, /failed: .*broken\.jpg: not an image/);
    const s = await openStore(store, { readonly: true });
    try {
      assert.deepEqual(await s.counts(), { ok: ds.images.length, failed: 1 });
      const id = await s.identity();
      assert.equal(id?.model, probe);
      assert.equal(id?.dim, 48);
      assert.equal(id?.dtype, "fp32");
    } finally {
      await s.close();
    }
  });

  it("stores the embeddings `zeroclip embed` gives", async () => {
    const embed = await runCli(["embed", "--image", ds.root, "--model", probe], env);
    const byInput = new Map(
      parseJsonl(embed.stdout)
        .filter((r) => r.embedding)
        .map((r) => [r.input as string, r.embedding as number[]]),
    );
    const s = await openStore(store, { readonly: true });
    try {
      const got = await s.get(ds.images.map((i) => i.path));
      assert.equal(got.size, ds.images.length);
      for (const img of ds.images) {
        const want = byInput.get(img.path)!;
        const e = got.get(img.path)!;
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(e[i] - want[i]) < 1e-6);
      }
    } finally {
      await s.close();
    }
  });

  it("a second run embeds nothing (the store's model is the default)", async () => {
    const run = await index();
    assert.deepEqual(run.counts, counts(0, 0, 0, ds.images.length, 1)); // the failure is retried
  });

  it("a touched file is updated (its embedding kept); a new file and a fixed file are added", async () => {
    const before = await openStore(store, { readonly: true });
    const old = (await before.get([ds.images[0].path])).get(ds.images[0].path)!;
    await before.close();
    const later = new Date(Date.now() + 60_000);
    await utimes(ds.images[0].path, later, later);
    await copyFile(ds.images[1].path, join(ds.root, ds.classes[1], "copy.png"));
    await copyFile(ds.images[2].path, ds.corrupt!); // now a valid image
    const run = await index();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.counts, counts(2, 1, 0, ds.images.length - 1, 0));
    const after = await openStore(store, { readonly: true });
    try {
      const [info] = (await collectList(after)).filter((i) => i.input === ds.images[0].path);
      // The new state is recorded: the file's mtime as stat gives it (ns → ms, so not always
      // exactly the Date given to utimes).
      assert.equal(info.mtimeMs, (await stat(ds.images[0].path)).mtimeMs);
      assert.ok(Math.abs(info.mtimeMs! - later.getTime()) < 1);
      assert.deepEqual((await after.get([ds.images[0].path])).get(ds.images[0].path), old);
    } finally {
      await after.close();
    }
    // Recorded, so the next run finds it unchanged.
    assert.deepEqual((await index()).counts, counts(0, 0, 0, ds.images.length + 2, 0));
  });

  it("deleted files stay without --prune and are removed with it", async () => {
    await unlink(ds.images[3].path);
    await unlink(join(ds.root, ds.classes[1], "copy.png"));
    // Left: the images but the deleted one, plus the fixed broken.jpg.
    const keep = await index();
    assert.deepEqual(keep.counts, counts(0, 0, 0, ds.images.length, 0));
    const pruned = await index("--prune");
    assert.deepEqual(pruned.counts, counts(0, 0, 2, ds.images.length, 0));
    const s = await openStore(store, { readonly: true });
    try {
      assert.deepEqual(await s.counts(), { ok: ds.images.length, failed: 0 });
    } finally {
      await s.close();
    }
  });

  it("--prune leaves stored images outside the given folders alone", async () => {
    const other = join(dir, "other.png");
    await copyFile(ds.images[4].path, other);
    assert.deepEqual(
      (await runCli(["index", other, "--store", store, "--format", "json"], env)).code,
      0,
    );
    const run = await runCli(
      ["index", join(ds.root, ds.classes[0]), "--store", store, "--prune", "--format", "json"],
      env,
    );
    assert.equal(JSON.parse(run.stdout).removed, 0, run.stderr);
  });

  it("refuses another model, a bad image written in place is a failure", async () => {
    const run = await index("--model", tiny);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /holds 48-d embeddings of .*probe.*another model/);
    await writeFile(ds.images[5].path, "garbage");
    const bad = await index();
    assert.equal(bad.code, 1);
    assert.equal(bad.counts.failed, 1);
    const s = await openStore(store, { readonly: true });
    try {
      // The stale embedding of the changed file is gone: never an embedding of other bytes.
      assert.equal((await s.get([ds.images[5].path])).size, 0);
    } finally {
      await s.close();
    }
  });
});
