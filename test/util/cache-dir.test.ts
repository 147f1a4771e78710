/**
 * Where zeroclip keeps its own cache (docs/usage.md, docs/eval.md, docs/cupl.md):
 * `$ZEROCLIP_CACHE`, else `$XDG_CACHE_HOME/zeroclip`, else `~/.cache/zeroclip`. Checked on the
 * function and end to end: a classify run writes its class embeddings where the docs say.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { zeroclipCacheDir } from "../../src/util/cache-dir.js";
import { runCli } from "../support/cli.js";
import { encodeWithSharp, makeTempDir, noisePixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("zeroclip cache location", () => {
  it("$ZEROCLIP_CACHE, else $XDG_CACHE_HOME/zeroclip, else ~/.cache/zeroclip", () => {
    assert.equal(zeroclipCacheDir({ ZEROCLIP_CACHE: "/z", XDG_CACHE_HOME: "/x" }), "/z");
    assert.equal(zeroclipCacheDir({ XDG_CACHE_HOME: "/x" }), "/x/zeroclip");
    assert.equal(zeroclipCacheDir({}), join(homedir(), ".cache", "zeroclip"));
    // Empty variables count as unset (as the XDG specification says for XDG_CACHE_HOME).
    assert.equal(zeroclipCacheDir({ ZEROCLIP_CACHE: "", XDG_CACHE_HOME: "/x" }), "/x/zeroclip");
    assert.equal(
      zeroclipCacheDir({ ZEROCLIP_CACHE: "", XDG_CACHE_HOME: "" }),
      join(homedir(), ".cache", "zeroclip"),
    );
  });

  describe("end to end: where classify writes its class embeddings", () => {
    let dir: string;
    let model: string;
    let image: string;
    before(async () => {
      model = await ensureFixtureModel("tiny");
      dir = await makeTempDir("zeroclip-cache-dir-");
      image = join(dir, "img.png");
      await writeFile(image, await encodeWithSharp(noisePixels(32, 32, 3, 5), "png"));
    });
    after(() => removeDir(dir));

    /** Run classify with exactly these cache variables (the others unset); return where it wrote. */
    const classifyWith = async (name: string, vars: NodeJS.ProcessEnv) => {
      const home = join(dir, name, "home");
      await mkdir(home, { recursive: true });
      const run = await runCli(
        ["classify", image, "--model", model, "-l", "a,b", "--format", "json"],
        {
          HOME: home,
          ZEROCLIP_CACHE: undefined,
          XDG_CACHE_HOME: undefined,
          ...vars,
        },
      );
      assert.equal(run.code, 0, run.stderr);
      return home;
    };
    const entries = async (cache: string) =>
      (await readdir(join(cache, "class-embeddings"))).filter((f) => f.endsWith(".bin"));

    it("ZEROCLIP_CACHE wins over XDG_CACHE_HOME", async () => {
      const z = join(dir, "z", "zc");
      const x = join(dir, "z", "xdg");
      const home = await classifyWith("z", { ZEROCLIP_CACHE: z, XDG_CACHE_HOME: x });
      assert.equal((await entries(z)).length, 1);
      // (onnxruntime itself keeps a device id under the cache root; only zeroclip's folder counts.)
      assert.ok(!existsSync(join(x, "zeroclip")), "nothing in XDG_CACHE_HOME/zeroclip");
      assert.ok(!existsSync(join(home, ".cache", "zeroclip")), "nothing in ~/.cache/zeroclip");
    });

    it("XDG_CACHE_HOME/zeroclip without ZEROCLIP_CACHE", async () => {
      const x = join(dir, "x", "xdg");
      const home = await classifyWith("x", { XDG_CACHE_HOME: x });
      assert.equal((await entries(join(x, "zeroclip"))).length, 1);
      assert.ok(!existsSync(join(home, ".cache", "zeroclip")), "nothing in ~/.cache/zeroclip");
    });

    it("~/.cache/zeroclip without either", async () => {
      const home = await classifyWith("h", {});
      assert.equal((await entries(join(home, ".cache", "zeroclip"))).length, 1);
    });
  });
});
