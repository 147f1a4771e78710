/**
 * An unreadable subfolder becomes one failed input; the images beside it are still found.
 * (Tests run as root here, which may read any folder, so readdir is made to fail for one path.)
 */
import assert from "node:assert/strict";
import fsp, { mkdir, writeFile } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { after, before, describe, it, mock } from "node:test";
import { expandInputs, readImageSource } from "../../src/image/source.js";
import { InputError } from "../../src/util/errors.js";
import { makeTempDir, removeDir } from "../support/images.js";

describe("expandInputs with an unreadable subfolder", () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir("zeroclip-unreadable-");
    await mkdir(join(dir, "a"));
    await mkdir(join(dir, "locked"));
    await writeFile(join(dir, "a", "x.png"), "not read here");
    await writeFile(join(dir, "locked", "y.png"), "not reachable");
    await writeFile(join(dir, "z.jpg"), "not read here");
  });
  after(async () => {
    mock.restoreAll();
    syncBuiltinESMExports();
    await removeDir(dir);
  });

  it("lists the folder itself in its place and keeps the other images", async () => {
    const locked = join(dir, "locked");
    const real = fsp.readdir;
    mock.method(fsp, "readdir", (async (path: string, opts: unknown) => {
      if (path === locked)
        throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
      return real(path, opts as never);
    }) as typeof fsp.readdir);
    syncBuiltinESMExports();
    const found = await expandInputs([dir]);
    assert.deepEqual(found, [join(dir, "a", "x.png"), locked, join(dir, "z.jpg")]);
    await assert.rejects(readImageSource(locked), InputError);
  });
});
