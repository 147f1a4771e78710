/** --dtype picks the *_quantized / *_fp16 files; each agrees with fp32 on the same weights. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { cosine } from "../../src/math/vector.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { repoRoot } from "../support/paths.js";

const image = join(repoRoot, "examples", "images", "orange-cat.png");

describe("--dtype (generated tiny model)", () => {
  let all: string;
  let fp32Only: string;
  before(async () => {
    all = await ensureFixtureModel("tiny", { dtypes: ["fp32", "q8", "fp16"] });
    fp32Only = await ensureFixtureModel("tiny");
  });

  const embed = async (dtype: string, args: string[]) => {
    const run = await runCli(["embed", "--model", all, "--dtype", dtype, ...args]);
    assert.equal(run.code, 0, run.stderr);
    return parseJsonl(run.stdout).map((r) => r.embedding as number[]);
  };

  it("q8 and fp16 embeddings agree with fp32 for texts and images", async () => {
    const texts = ["--text", "a photo of a cat", "--text", "a drawing of a tree frog"];
    const ref = {
      text: await embed("fp32", texts),
      image: await embed("fp32", ["--image", image]),
    };
    for (const [dtype, min] of [
      ["fp16", 0.999],
      ["q8", 0.99],
    ] as const) {
      const got = {
        text: await embed(dtype, texts),
        image: await embed(dtype, ["--image", image]),
      };
      for (const kind of ["text", "image"] as const) {
        got[kind].forEach((e, i) => {
          const c = cosine(e, ref[kind][i]);
          assert.ok(c >= min && c < 1 + 1e-6, `${dtype} ${kind} ${i}: cosine ${c}`);
        });
      }
      assert.notDeepEqual(got.image[0], ref.image[0], `${dtype} runs its own files`);
    }
  });

  it("a dtype the directory lacks is a model error listing the dtypes present", async () => {
    const run = await runCli([
      "classify",
      image,
      "--model",
      fp32Only,
      "-l",
      "a,b",
      "--dtype",
      "q8",
    ]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /dtype q8.*dtypes present: fp32/);
  });
});
