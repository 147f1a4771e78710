/**
 * The command table top-level help is printed from (src/cli/commands.ts) agrees with the
 * commands the modules build: same name, same description, same usage term, in the same order
 * as before the table existed, and `commandFor` finds the command a command line runs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Help } from "commander";
import { COMMANDS, commandFor } from "../../src/cli/commands.js";

describe("CLI command table", () => {
  it("each row matches the command its module builds", async () => {
    const help = new Help();
    for (const entry of COMMANDS) {
      const cmd = await entry.load();
      assert.equal(cmd.name(), entry.name);
      assert.equal(cmd.description(), entry.summary, entry.name);
      assert.equal(help.subcommandTerm(cmd), entry.term, entry.name);
    }
  });

  it("finds the command of a command line", () => {
    assert.equal(commandFor(["classify", "a.jpg", "--labels", "x,y"])?.name, "classify");
    assert.equal(commandFor(["help", "eval"])?.name, "eval");
    assert.equal(commandFor(["index", "--help"])?.name, "index");
    assert.equal(commandFor(["--version"]), undefined);
    assert.equal(commandFor(["--help"]), undefined);
    assert.equal(commandFor([]), undefined);
    assert.equal(commandFor(["help"]), undefined);
    assert.equal(commandFor(["frobnicate"]), undefined);
  });
});
