/**
 * Durability: a `zeroclip index` child process is killed with SIGKILL in the middle of a run;
 * what it stored is intact (every record equal to an uninterrupted run's, none twice), and a
 * second run finishes the job, leaving the same store as the uninterrupted run.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openStore } from "../../src/store/open.js";
import type { StoredInfo, VectorStore } from "../../src/store/types.js";
import { runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { cliPath } from "../support/paths.js";

interface Snapshot {
  infos: StoredInfo[];
  embeddings: Map<string, number[]>;
}

async function snapshot(path: string): Promise<Snapshot> {
  const s: VectorStore = await openStore(path, { readonly: true });
  try {
    const infos: StoredInfo[] = [];
    for await (const page of s.list()) infos.push(...page);
    const embeddings = new Map<string, number[]>();
    for await (const page of s.embeddings()) {
      for (const e of page) embeddings.set(e.input, Array.from(e.embedding));
    }
    return { infos, embeddings };
  } finally {
    await s.close();
  }
}

async function storedCount(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  try {
    const s = await openStore(path, { readonly: true });
    try {
      const c = await s.counts();
      return c.ok + c.failed;
    } finally {
      await s.close();
    }
  } catch {
    return 0; // created but not yet initialised
  }
}

describe("index killed with SIGKILL, then resumed", () => {
  let dir: string;
  let model: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let reference: Snapshot;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-kill-"));
    model = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 70, corrupt: true });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    const whole = join(dir, "whole.zcstore");
    const run = await runCli(["index", ds.root, "--store", whole, "--model", model], env);
    assert.equal(run.code, 1, run.stderr); // the corrupt file
    reference = await snapshot(whole);
    assert.equal(reference.infos.length, ds.images.length + 1);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("keeps whole records only, and the next run completes the same store", async () => {
    const path = join(dir, "killed.zcstore");
    const args = ["index", ds.root, "--store", path, "--model", model, "--batch-size", "2"];
    const child = spawn(process.execPath, [cliPath, ...args, "--workers", "1"], {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    let atKill = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child.exitCode === null) {
      atKill = await storedCount(path);
      if (atKill >= 40) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await exited;
    const partial = await snapshot(path);
    assert.ok(partial.infos.length >= 40, `only ${partial.infos.length} stored before the kill`);
    assert.ok(
      partial.infos.length < reference.infos.length,
      "the run finished before it was killed: nothing was interrupted",
    );
    // Every record present is whole and equal to the uninterrupted run's.
    const want = new Map(reference.infos.map((i) => [i.input, i]));
    for (const info of partial.infos) {
      const w = want.get(info.input)!;
      assert.deepEqual({ ...info }, { ...w });
      if (info.status === "ok") {
        assert.deepEqual(partial.embeddings.get(info.input), reference.embeddings.get(info.input));
      }
    }
    const resumed = await runCli([...args, "--format", "json"], env);
    const counts = JSON.parse(resumed.stdout);
    assert.equal(counts.unchanged + counts.added + counts.failed, reference.infos.length);
    assert.equal(counts.unchanged, partial.embeddings.size);
    const final = await snapshot(path);
    assert.deepEqual(final.infos, reference.infos);
    assert.deepEqual(final.embeddings, reference.embeddings);
    assert.equal(new Set(final.infos.map((i) => i.input)).size, final.infos.length);
  });
});
