/**
 * Where models are downloaded (docs/models.md "The cache"): `$HF_HUB_CACHE`, else
 * `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 * Each fallback is checked by a real `zeroclip pull` from a loopback hub.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import { type HubServer, startHubServer } from "../support/hub-server.js";
import { FOLDER, modelSource, REPO, tempDir, tinyRepo } from "./helpers.js";

describe("hub cache location", () => {
  let server: HubServer;
  let work: { path: string; remove(): Promise<void> };
  before(async () => {
    server = await startHubServer({ repos: { [REPO]: await tinyRepo(await modelSource()) } });
    work = await tempDir("hub-cache-location");
  });
  after(async () => {
    await server?.close();
    await work?.remove();
  });

  /** `pull` with exactly these cache variables set (all others unset); returns the snapshot dir. */
  const pullWith = async (name: string, vars: NodeJS.ProcessEnv) => {
    const home = join(work.path, name, "home");
    await mkdir(home, { recursive: true });
    const run = await runCli(["pull", REPO], {
      HOME: home,
      HF_ENDPOINT: server.endpoint,
      HF_TOKEN: "",
      HF_HUB_OFFLINE: "",
      HF_HUB_CACHE: undefined,
      HUGGINGFACE_HUB_CACHE: undefined,
      HF_HOME: undefined,
      XDG_CACHE_HOME: undefined,
      ...vars,
    });
    assert.equal(run.code, 0, run.stderr);
    return { home, snapshot: run.stdout.trim() };
  };
  const expected = (hub: string) => join(hub, FOLDER, "snapshots", server.commitOf(REPO));

  it("HF_HUB_CACHE first", async () => {
    const root = join(work.path, "a");
    const r = await pullWith("a", {
      HF_HUB_CACHE: join(root, "hub-cache"),
      HF_HOME: join(root, "hf-home"),
      XDG_CACHE_HOME: join(root, "xdg"),
    });
    assert.equal(r.snapshot, expected(join(root, "hub-cache")));
    assert.ok(existsSync(join(r.snapshot, "onnx", "text_model.onnx")));
    for (const other of ["hf-home", "xdg/huggingface", "home/.cache/huggingface"]) {
      assert.ok(!existsSync(join(root, other)), `nothing under ${other}`);
    }
  });

  it("then HF_HOME/hub", async () => {
    const root = join(work.path, "b");
    const r = await pullWith("b", {
      HF_HOME: join(root, "hf-home"),
      XDG_CACHE_HOME: join(root, "xdg"),
    });
    assert.equal(r.snapshot, expected(join(root, "hf-home", "hub")));
    assert.ok(existsSync(join(r.snapshot, "onnx", "vision_model.onnx")));
    assert.ok(!existsSync(join(root, "xdg", "huggingface")));
    assert.ok(!existsSync(join(r.home, ".cache", "huggingface")));
  });

  it("then XDG_CACHE_HOME/huggingface/hub", async () => {
    const root = join(work.path, "c");
    const r = await pullWith("c", { XDG_CACHE_HOME: join(root, "xdg") });
    assert.equal(r.snapshot, expected(join(root, "xdg", "huggingface", "hub")));
    assert.ok(existsSync(join(r.snapshot, "config.json")));
    assert.ok(!existsSync(join(r.home, ".cache", "huggingface")));
  });

  it("else ~/.cache/huggingface/hub", async () => {
    const r = await pullWith("d", {});
    assert.equal(r.snapshot, expected(join(r.home, ".cache", "huggingface", "hub")));
    assert.ok(existsSync(join(r.snapshot, "config.json")));
  });
});
