/**
 * `classify --explain n`: each printed label carries its n texts (filled templates here) whose
 * embeddings are closest to the image, with cosines equal to those computed independently
 * from `embedTexts` / `embedImages` — on files, on a store, and with --transductive.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

const TEMPLATES = ["a photo of {}.", "a {} thing.", "{}", "a drawing of a {}."];

describe("classify --explain (probe model)", () => {
  let dir: string;
  let probe: string;
  let ds: GeneratedDataset;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let templates: string;
  const labels = ["blue", "cyan", "green", "magenta", "red", "yellow"];
  const images = new Map<string, Float32Array>();
  const texts = new Map<string, Float32Array>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-explain-"));
    probe = await ensureFixtureModel("probe");
    ds = await writeColourDataset(join(dir, "photos"), { perClass: 2, corrupt: false });
    env = { ZEROCLIP_CACHE: join(dir, "cache") };
    store = join(dir, "photos.zcstore");
    templates = join(dir, "templates.json");
    await writeFile(templates, JSON.stringify(TEMPLATES));
    const run = await runCli(["index", ds.root, "--store", store, "--model", probe], env);
    assert.equal(run.code, 0, run.stderr);
    const model = await ClipModel.load(probe);
    try {
      for (const r of await model.embedImages(ds.images.map((i) => i.path))) {
        images.set(r.input, r.embedding!);
      }
      const all = labels.flatMap((l) => TEMPLATES.map((t) => t.replace("{}", l)));
      const embs = await model.embedTexts(all, { normalize: true });
      for (const [i, t] of all.entries()) texts.set(t, embs[i]);
    } finally {
      await model.dispose();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cos = (a: Float32Array, b: Float32Array) => {
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      d += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return d / Math.sqrt(na * nb);
  };

  function check(stdout: string, n: number, k: number) {
    const out = parseJsonl(stdout);
    assert.equal(out.length, ds.images.length);
    for (const r of out) {
      const image = images.get(r.input as string)!;
      const preds = r.predictions as {
        label: string;
        explanation: { text: string; cosine: number }[];
      }[];
      assert.equal(preds.length, k);
      for (const p of preds) {
        const own = TEMPLATES.map((t) => t.replace("{}", p.label));
        const want = own
          .map((text) => ({ text, cosine: cos(image, texts.get(text)!) }))
          .sort((a, b) => b.cosine - a.cosine)
          .slice(0, n);
        assert.deepEqual(
          p.explanation.map((e) => e.text),
          want.map((e) => e.text),
        );
        for (const [i, e] of p.explanation.entries()) {
          assert.ok(Math.abs(e.cosine - want[i].cosine) < 1e-5, `${e.cosine} vs ${want[i].cosine}`);
        }
      }
    }
  }

  const prompt = () => ["-l", labels.join(","), "--templates-file", templates, "--format", "jsonl"];

  it("on files: --explain 3 gives the 3 closest texts of each label", async () => {
    const run = await runCli(
      ["classify", ds.root, "--model", probe, "--explain", "3", "-k", "2", ...prompt()],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    check(run.stdout, 3, 2);
  });

  it("on a store, and with --transductive (default n = 3)", async () => {
    const stored = await runCli(["classify", "--store", store, "--explain", "2", ...prompt()], env);
    assert.equal(stored.code, 0, stored.stderr);
    check(stored.stdout, 2, labels.length);
    const trans = await runCli(
      ["classify", "--store", store, "--transductive", "--explain", "-k", "1", ...prompt()],
      env,
    );
    assert.equal(trans.code, 0, trans.stderr);
    check(trans.stdout, 3, 1);
  });
});
