/**
 * The CLI loads only what the command it runs needs (src/cli/commands.ts, main.ts). Each run is
 * a real `zeroclip` process with test/support/load-log-hook.ts preloaded, which logs every file
 * the process resolves or requires. `--version` and top-level `--help` must load none of the
 * heavy packages; `serve --help` must load fastify, which shows the log does see them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/commands.js";
import { packageVersion } from "../../src/util/version.js";
import { runCliProcess } from "../support/cli.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { HEAVY_PACKAGES, loadedPackages, loadLogEnv } from "../support/load-log.js";

describe("zeroclip loads only what the command needs", () => {
  let dir: string;
  let runs = 0;

  before(async () => {
    dir = await makeTempDir("zeroclip-load-");
  });
  after(() => removeDir(dir));

  async function run(args: string[]): Promise<{ stdout: string; packages: Set<string> }> {
    const log = join(dir, `load-${runs++}.log`);
    const r = await runCliProcess(args, loadLogEnv(log));
    assert.equal(r.code, 0, r.stderr);
    return { stdout: r.stdout, packages: loadedPackages(log) };
  }

  function heavyIn(packages: Set<string>): string[] {
    return HEAVY_PACKAGES.filter((p) => packages.has(p));
  }

  it("--version prints the version and loads no package at all", async () => {
    for (const flag of ["--version", "-V"]) {
      const { stdout, packages } = await run([flag]);
      assert.equal(stdout, `${packageVersion()}\n`);
      assert.deepEqual([...packages], []);
    }
  });

  it("--help lists every command with its description and loads no heavy package", async () => {
    const { stdout, packages } = await run(["--help"]);
    assert.ok(packages.has("commander"), "the log sees packages");
    assert.deepEqual(heavyIn(packages), []);
    // Help wraps long descriptions; compare with the whitespace collapsed.
    const flat = stdout.replace(/\s+/g, " ");
    for (const c of COMMANDS) assert.ok(flat.includes(`${c.term} ${c.summary}`), c.name);
  });

  it("a command's --help still shows its own options, and loads its own dependencies", async () => {
    const { stdout, packages } = await run(["serve", "--help"]);
    assert.match(stdout, /Usage: zeroclip serve \[options\]/);
    assert.match(stdout, /--port <port>/);
    assert.ok(packages.has("fastify"));
    const embed = await run(["embed", "--help"]);
    assert.match(embed.stdout, /Usage: zeroclip embed \[options\]/);
    for (const p of ["fastify", "bullmq", "pg", "better-sqlite3", "usearch", "onnxruntime-node"]) {
      assert.ok(!embed.packages.has(p), `embed --help loads ${p}`);
    }
  });
});
