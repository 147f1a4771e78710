/**
 * `serve` with SigLIP and SigLIP 2 fixtures: /v1/embeddings equals `zeroclip embed`, /v1/classify
 * equals `zeroclip classify` (per-label sigmoid scores), and /v1/config tells the page that the
 * scores are sigmoids (so its bars do not imply they sum to 1).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureSiglipFixture, type SiglipFixtureName } from "../support/model-gen/siglip/index.js";
import { post, startServer, type TestServer, writeImages } from "./helpers.js";

for (const name of ["siglip-tiny", "siglip2-tiny"] as SiglipFixtureName[]) {
  describe(`serve with ${name}`, () => {
    let dir: string;
    let modelDir: string;
    let server: TestServer;
    let images: string[];
    before(async () => {
      dir = await makeTempDir("zeroclip-serve-siglip-");
      modelDir = await ensureSiglipFixture(name);
      images = await writeImages(dir, 2);
      server = await startServer({ model: await ClipModel.load(modelDir) });
    });
    after(async () => {
      await server?.close();
      await removeDir(dir);
    });

    it("/v1/embeddings equals `zeroclip embed`", async () => {
      const texts = ["A Photo of a CAT!", "two  dogs, playing"];
      const run = await runCli([
        "embed",
        "--model",
        modelDir,
        ...texts.flatMap((t) => ["--text", t]),
      ]);
      assert.equal(run.code, 0, run.stderr);
      const cli = parseJsonl(run.stdout);
      const res = await post(`${server.url}/v1/embeddings`, {
        model: "m",
        input: texts,
        encoding_format: "float",
      });
      assert.equal(res.status, 200, res.text);
      const data = (res.body as { data: { embedding: number[] }[] }).data;
      for (const [i, d] of data.entries()) assert.deepEqual(d.embedding, cli[i].embedding);
    });

    it("/v1/classify equals `zeroclip classify`; /v1/config says the scores are sigmoids", async () => {
      const labels = ["cat", "dog", "frog"];
      const run = await runCli([
        "classify",
        images[0],
        "--model",
        modelDir,
        "-l",
        labels.join(","),
        "--format",
        "jsonl",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const [cli] = parseJsonl(run.stdout);
      const b64 = (await readFile(images[0])).toString("base64");
      const res = await post(`${server.url}/v1/classify`, { images: [b64], labels });
      assert.equal(res.status, 200, res.text);
      const got = (res.body as { results: { predictions: { label: string; score: number }[] }[] })
        .results[0].predictions;
      const want = cli.predictions as { label: string; score: number }[];
      assert.deepEqual(
        got.map((p) => p.label),
        want.map((p) => p.label),
      );
      for (const [i, p] of got.entries()) assert.ok(Math.abs(p.score - want[i].score) < 1e-5);
      const cfg = (await fetch(`${server.url}/v1/config`).then((r) => r.json())) as Record<
        string,
        unknown
      >;
      assert.equal(cfg.scoring, "sigmoid");
      assert.equal(cfg.family, name === "siglip-tiny" ? "siglip" : "siglip2");
      assert.equal(cfg.default_template, "This is a photo of {}.");
    });
  });
}
