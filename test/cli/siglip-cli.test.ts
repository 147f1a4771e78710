/**
 * SigLIP and SigLIP 2 end to end through the CLI, on the generated tiny fixtures: classify
 * (scores equal sigmoid of the joint onnx/model.onnx's logits_per_image for the same inputs),
 * --min-score, --logit-scale/--logit-bias against a hand computation, the one-line error when
 * the scale and bias are unavailable, embed, index + search + classify --store, adapt +
 * classify --adapter, and an unknown family refused with exit 3.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import ort from "onnxruntime-node";
import { decodeImage } from "../../src/image/decode.js";
import { preprocessImage } from "../../src/image/preprocess.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { parseJsonl, runCli } from "../support/cli.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { ensureSiglipFixture, type SiglipFixtureName } from "../support/model-gen/siglip/index.js";

type Preds = { label: string; score: number }[];
const LABELS = ["red", "green", "blue", "yellow"];
const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

for (const name of ["siglip-tiny", "siglip2-tiny"] as SiglipFixtureName[]) {
  describe(`${name} through the CLI`, () => {
    let dir: string;
    let model: string;
    let ds: GeneratedDataset;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), `zeroclip-${name}-`));
      model = await ensureSiglipFixture(name);
      ds = await writeColourDataset(join(dir, "photos"), { perClass: 2 });
      env = { ZEROCLIP_CACHE: join(dir, "cache") };
    });
    after(() => rm(dir, { recursive: true, force: true }));

    const images = () => ds.images.slice(0, 3).map((i) => i.path);

    async function classify(...args: string[]): Promise<Map<string, Preds>> {
      const run = await runCli(
        [
          "classify",
          ...images(),
          "--model",
          model,
          "-l",
          LABELS.join(","),
          "--format",
          "jsonl",
          ...args,
        ],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      const recs = parseJsonl(run.stdout);
      return new Map(recs.map((r) => [r.input as string, r.predictions as Preds]));
    }

    it("classify scores are sigmoid(logits_per_image) of the joint model on the same inputs", async () => {
      const got = await classify();
      const m = await ClipModel.load(model);
      try {
        const texts = LABELS.map((l) => `This is a photo of ${l}.`);
        const batch = m.tokenizer.pad(texts.map((t) => m.tokenizer.encode(t)));
        const { cropHeight: h, cropWidth: w } = m.preprocess;
        const session = await ort.InferenceSession.create(join(model, "onnx", "model.onnx"));
        for (const path of images()) {
          const pixels = preprocessImage(await decodeImage(await readFile(path)), m.preprocess);
          const out = await session.run({
            input_ids: new ort.Tensor("int64", batch.data, [texts.length, batch.width]),
            pixel_values: new ort.Tensor("float32", pixels, [1, 3, h, w]),
          });
          const logits = out.logits_per_image.data as Float32Array;
          const preds = got.get(path)!;
          assert.equal(preds.length, LABELS.length);
          LABELS.forEach((l, k) => {
            const score = preds.find((p) => p.label === l)!.score;
            const want = sigmoid(logits[k]);
            assert.ok(Math.abs(score - want) < 1e-5, `${path} ${l}: ${score} vs ${want}`);
          });
        }
        await session.release();
      } finally {
        await m.dispose();
      }
    });

    it("--min-score drops labels below it; scores are per label, not a softmax", async () => {
      const all = await classify();
      const first = all.get(images()[0])!;
      const threshold = (first[1].score + first[2].score) / 2;
      const cut = await classify("--min-score", String(threshold));
      assert.deepEqual(cut.get(images()[0]), first.slice(0, 2));
      for (const preds of cut.values()) assert.ok(preds.every((p) => p.score >= threshold));
    });

    it("--logit-scale and --logit-bias replace the exported values", async () => {
      const base = await classify();
      const m = await ClipModel.load(model);
      const { scale, bias } = m.scoring as { scale: number; bias: number };
      await m.dispose();
      const over = await classify("--logit-scale", "3", "--logit-bias", "-0.5");
      for (const [input, preds] of base) {
        for (const p of preds) {
          // Invert the exported scoring to the cosine, then score it by hand.
          const cos = (logit(p.score) - bias) / scale;
          const want = sigmoid(3 * cos - 0.5);
          const score = over.get(input)!.find((q) => q.label === p.label)!.score;
          assert.ok(Math.abs(score - want) < 1e-4, `${p.label}: ${score} vs ${want}`);
        }
      }
    });

    it("without onnx/model.onnx: classify exits 3 in one line; embed still works", async () => {
      const copy = join(dir, "no-joint");
      await cp(model, copy, { recursive: true });
      await rm(join(copy, "onnx", "model.onnx"));
      const run = await runCli(["classify", images()[0], "--model", copy, "-l", "a,b"], env);
      assert.equal(run.code, 3, run.stderr);
      const lines = run.stderr.trim().split("\n");
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], /--logit-scale and --logit-bias/);
      const given = await runCli(
        [
          "classify",
          images()[0],
          "--model",
          copy,
          "-l",
          "a,b",
          "--logit-scale",
          "3",
          "--logit-bias",
          "-1",
        ],
        env,
      );
      assert.equal(given.code, 0, given.stderr);
      const embed = await runCli(["embed", "--text", "A Cat!", "--model", copy], env);
      assert.equal(embed.code, 0, embed.stderr);
      const [rec] = parseJsonl(embed.stdout);
      const e = rec.embedding as number[];
      assert.ok(Math.abs(Math.hypot(...e) - 1) < 1e-5);
    });

    it("index, search and classify --store", async () => {
      const store = join(dir, "photos.zcstore");
      const idx = await runCli(["index", ds.root, "--store", store, "--model", model], env);
      assert.ok(idx.code === 0 || idx.code === 1, idx.stderr);
      const search = await runCli(
        ["search", "--store", store, "--text", "red", "-k", "2", "--format", "jsonl"],
        env,
      );
      assert.equal(search.code, 0, search.stderr);
      assert.equal(parseJsonl(search.stdout).length >= 1, true);
      const direct = await classify();
      const stored = await runCli(
        ["classify", "--store", store, ...images(), "-l", LABELS.join(","), "--format", "jsonl"],
        env,
      );
      assert.equal(stored.code, 0, stored.stderr);
      for (const r of parseJsonl(stored.stdout)) {
        const want = direct.get([...direct.keys()].find((k) => resolve(k) === r.input)!)!;
        assert.deepEqual(r.predictions, want);
      }
    });

    it("adapt, then classify --adapter", async () => {
      const out = join(dir, "adapter.safetensors");
      const adapt = await runCli(
        [
          "adapt",
          ds.root,
          "--model",
          model,
          "--out",
          out,
          "--method",
          "tip-adapter",
          "--augment-views",
          "0",
          "--format",
          "json",
        ],
        env,
      );
      // 1: the dataset's deliberately broken file is reported; the adapter is written.
      assert.equal(adapt.code, 1, adapt.stderr);
      assert.match(adapt.stderr, /adapter written/);
      const run = await runCli(
        ["classify", ...images(), "--adapter", out, "--model", model, "--format", "jsonl"],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      for (const r of parseJsonl(run.stdout)) {
        const sum = (r.predictions as Preds).reduce((s, p) => s + p.score, 0);
        assert.ok(Math.abs(sum - 1) < 1e-4, "an adapter's scores are a softmax over its classes");
      }
    });

    it("a model of an unknown family exits 3 naming its model_type", async () => {
      const copy = join(dir, "blip");
      await cp(model, copy, { recursive: true });
      const cfg = JSON.parse(await readFile(join(copy, "config.json"), "utf8"));
      await writeFile(
        join(copy, "config.json"),
        JSON.stringify({ ...cfg, model_type: "blip", architectures: ["BlipModel"] }),
      );
      const run = await runCli(["classify", images()[0], "--model", copy, "-l", "a,b"], env);
      assert.equal(run.code, 3);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.match(run.stderr, /model_type "blip"/);
    });
  });
}
