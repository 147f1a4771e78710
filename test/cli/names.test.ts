/**
 * One name per concept (docs/architecture.md, Glossary), parsed in-process: the new flag names
 * and their old aliases (kept for one release) give the same request, both at once is a usage
 * error, durations on the command line are seconds (the worker's old millisecond flags are
 * converted), and the flags left at their defaults stay out of the request so that the store's
 * settings apply (the index drift: an unset --no-exif-orientation used to mean "on").
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Command } from "commander";
import { adaptCommand } from "../../src/cli/adapt.js";
import { classifyCommand } from "../../src/cli/classify.js";
import { evalCommand } from "../../src/cli/eval.js";
import { indexCommand } from "../../src/cli/index-images.js";
import { labelsFileFlag } from "../../src/cli/labels-file.js";
import { imageSettingsInput, modelRequest } from "../../src/cli/model-choice.js";
import { serveCommand } from "../../src/cli/serve.js";
import { type WorkerFlags, workerCommand, workerDurations } from "../../src/cli/worker.js";
import { UsageError } from "../../src/util/errors.js";

/** Parse `args` with `make()`'s command, its action replaced; return the command. */
function parse(make: () => Command, args: string[]): Command {
  const cmd = make();
  cmd.exitOverride();
  cmd.action(() => {});
  cmd.parse(args, { from: "user" });
  return cmd;
}

// biome-ignore lint/suspicious/noExplicitAny: commander's opts() is untyped
const opts = (cmd: Command) => cmd.opts() as any;

describe("CLI names: one name per concept, old names as aliases", () => {
  it("--labels-file and its old names give the same class-list file", () => {
    for (const [make, old, extra] of [
      [evalCommand, "--classnames", ["data/"]],
      [adaptCommand, "--classnames", ["data/", "--method", "gda", "-o", "a.safetensors"]],
      [serveCommand, "--classnames-file", []],
    ] as const) {
      const now = opts(parse(make, [...extra, "--labels-file", "names.json#pets"]));
      const before = opts(parse(make, [...extra, old, "names.json#pets"]));
      assert.equal(labelsFileFlag(now), "names.json#pets", old);
      assert.equal(labelsFileFlag(before), "names.json#pets", old);
      const both = opts(parse(make, [...extra, "--labels-file", "a.json", old, "b.json"]));
      assert.throws(() => labelsFileFlag(both), UsageError);
    }
  });

  it("--preprocess-workers and its old name --workers set the library's preprocessWorkers", () => {
    const args = ["a.jpg", "--store", "s.zcstore"];
    const now = parse(indexCommand, [...args, "--preprocess-workers", "3"]);
    const before = parse(indexCommand, [...args, "--workers", "3"]);
    assert.equal(modelRequest(opts(now), now).preprocessWorkers, 3);
    assert.equal(modelRequest(opts(before), before).preprocessWorkers, 3);
    const none = parse(indexCommand, args);
    assert.equal(modelRequest(opts(none), none).preprocessWorkers, undefined);
  });

  it("classify's model request takes --preprocess-workers too (it once read only --workers)", () => {
    const args = ["a.jpg", "--labels", "a,b"];
    const now = parse(classifyCommand, [...args, "--preprocess-workers", "3"]);
    const before = parse(classifyCommand, [...args, "--workers", "2"]);
    assert.equal(modelRequest(opts(now), now).preprocessWorkers, 3);
    assert.equal(modelRequest(opts(before), before).preprocessWorkers, 2);
    assert.equal(modelRequest(opts(now), now).dtype, undefined, "--dtype not given");
  });

  it("worker durations are seconds; the old millisecond flags are converted", () => {
    const base = ["--queue", "redis://127.0.0.1:1", "--store", "postgres://h/db"];
    const d = (args: string[]) =>
      workerDurations(opts(parse(workerCommand, [...base, ...args])) as WorkerFlags);
    assert.deepEqual(d(["--lock-timeout", "1.5", "--stalled-check", "0.5"]), {
      lockSeconds: 1.5,
      stalledCheckSeconds: 0.5,
    });
    assert.deepEqual(d(["--lock-duration", "1500", "--stalled-interval", "500"]), {
      lockSeconds: 1.5,
      stalledCheckSeconds: 0.5,
    });
    assert.deepEqual(d([]), { lockSeconds: undefined, stalledCheckSeconds: undefined });
    assert.throws(() => d(["--lock-timeout", "2", "--lock-duration", "2000"]), UsageError);
  });

  it("unset --dtype and --no-exif-orientation stay out of the request (the store's apply)", () => {
    const unset = parse(indexCommand, ["a.jpg", "--store", "s.zcstore"]);
    assert.equal(modelRequest(opts(unset), unset).dtype, undefined);
    assert.equal(imageSettingsInput(opts(unset), unset).exifOrientation, undefined);
    const set = parse(indexCommand, [
      "a.jpg",
      "--store",
      "s.zcstore",
      "--dtype",
      "q8",
      "--no-exif-orientation",
    ]);
    assert.equal(modelRequest(opts(set), set).dtype, "q8");
    assert.equal(imageSettingsInput(opts(set), set).exifOrientation, false);
    assert.equal(imageSettingsInput(opts(set), set).maxPixels, 100_000_000);
  });

  it("--no-cache says the same thing in every command of these verbs", () => {
    for (const make of [evalCommand, adaptCommand]) {
      const flag = make().options.find((o) => o.long === "--no-cache");
      assert.match(flag?.description ?? "", /^read and write no on-disk cache \(/);
      const cmd = parse(make, ["data/", "--method", "gda", "-o", "a.safetensors", "--no-cache"]);
      assert.equal(opts(cmd).cache, false);
    }
  });
});
