/**
 * onnxruntime-node's telemetry is off unless asked for (src/model/ort.ts). The policy is checked
 * as a table, and the effect in a fresh process with a fresh HOME: opening a session and running
 * it through zeroclip's OnnxTower leaves no ~/.cache/Microsoft, while the same process with
 * `ZEROCLIP_ORT_TELEMETRY=1` (onnxruntime's own default) does create it, so the check can fail.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { spinningOptions, telemetrySetting } from "../../src/model/ort.js";
import { defaultThreads } from "../../src/model/session.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { repoRoot } from "../support/paths.js";

describe("onnxruntime telemetry setting", () => {
  it("is off by default, the user's ORT_DISABLE_TELEMETRY wins, and the switch leaves it on", () => {
    assert.equal(telemetrySetting({}), "1");
    assert.equal(telemetrySetting({ ZEROCLIP_ORT_TELEMETRY: "0" }), "1");
    assert.equal(telemetrySetting({ ZEROCLIP_ORT_TELEMETRY: "1" }), undefined);
    assert.equal(telemetrySetting({ ORT_DISABLE_TELEMETRY: "0" }), undefined);
    assert.equal(telemetrySetting({ ORT_DISABLE_TELEMETRY: "1" }), undefined);
  });
});

describe("onnxruntime thread spinning", () => {
  it("stays onnxruntime's default unless ZEROCLIP_ORT_SPIN=0 turns it off for both pools", () => {
    assert.deepEqual(spinningOptions({}), {});
    assert.deepEqual(spinningOptions({ ZEROCLIP_ORT_SPIN: "1" }), {});
    assert.deepEqual(spinningOptions({ ZEROCLIP_ORT_SPIN: "" }), {});
    assert.deepEqual(spinningOptions({ ZEROCLIP_ORT_SPIN: "0" }), {
      extra: {
        session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } },
      },
    });
  });
});

describe("onnxruntime telemetry in a fresh process", () => {
  let model: string;
  let dir: string;

  before(async () => {
    model = await ensureFixtureModel("tiny");
    dir = await makeTempDir("zeroclip-ort-home-");
  });
  after(() => removeDir(dir));

  /** Opens and runs the text tower in a child with HOME=<dir>/<name>; whether the cache appeared. */
  function runWithHome(name: string, extraEnv: NodeJS.ProcessEnv): boolean {
    const home = join(dir, name);
    mkdirSync(home);
    const session = pathToFileURL(join(repoRoot, "dist", "src", "model", "session.js")).href;
    const script = `
      const { OnnxTower } = await import(${JSON.stringify(session)});
      const tower = await OnnxTower.open(${JSON.stringify(join(model, "onnx", "text_model.onnx"))}, "text_embeds", {threads: 1});
      const n = 5;
      const ids = new BigInt64Array(n).fill(1n);
      const out = await tower.run({ input_ids: { data: ids, dims: [1, n] }, attention_mask: { data: new BigInt64Array(n).fill(1n), dims: [1, n] } });
      if (!(out.width > 0)) throw new Error("no output");
      await tower.release();`;
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extraEnv };
    delete env.ORT_DISABLE_TELEMETRY;
    // onnxruntime itself records nothing on a CI runner (it checks variables such as CI,
    // TF_BUILD and GITHUB_ACTIONS), so the child must not look like one for the opt-in case.
    for (const v of ["CI", "TF_BUILD", "GITHUB_ACTIONS", "CONTINUOUS_INTEGRATION", "BUILD_ID"]) {
      delete env[v];
    }
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return existsSync(join(home, ".cache", "Microsoft"));
  }

  it("leaves no ~/.cache/Microsoft by default", () => {
    assert.equal(runWithHome("default", {}), false);
  });

  it("does create it when ZEROCLIP_ORT_TELEMETRY=1 (onnxruntime's default)", () => {
    assert.equal(runWithHome("opted-in", { ZEROCLIP_ORT_TELEMETRY: "1" }), true);
  });
});

describe("onnxruntime's default thread count", () => {
  it("is ZEROCLIP_THREADS when set, else every core the process may use", () => {
    assert.equal(defaultThreads({}), availableParallelism());
    assert.equal(defaultThreads({ ZEROCLIP_THREADS: "" }), availableParallelism());
    assert.equal(defaultThreads({ ZEROCLIP_THREADS: "1" }), 1);
    assert.equal(defaultThreads({ ZEROCLIP_THREADS: "3" }), 3);
    for (const bad of ["0", "-2", "1.5", "two"]) {
      assert.throws(() => defaultThreads({ ZEROCLIP_THREADS: bad }), {
        name: "UsageError",
        message: /ZEROCLIP_THREADS must be a positive integer/,
      });
    }
  });
});
