/**
 * `zeroclip classify` / `zeroclip embed` end to end on a generated tiny model (no ../shared
 * needed): good and bad inputs in one run, formats, exit codes.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseJsonl, runCli } from "../support/cli.js";
import { handZeroShot } from "../support/hand.js";
import {
  decompressionBombPng,
  encodeWithSharp,
  makeTempDir,
  noisePixels,
  removeDir,
  textBytes,
  truncatedJpeg,
} from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

describe("zeroclip classify (generated tiny model)", () => {
  let model: string;
  let dir: string;
  let server: Server;
  let url: string;
  const good: string[] = [];

  before(async () => {
    model = await ensureFixtureModel("tiny");
    dir = await makeTempDir("zeroclip-cli-");
    await mkdir(join(dir, "folder", "nested"), { recursive: true });
    for (const [i, fmt] of (["jpeg", "png", "webp"] as const).entries()) {
      const bytes = await encodeWithSharp(noisePixels(40 + 10 * i, 30, 3, i + 1), fmt);
      const file = join(dir, `good${i}.${fmt === "jpeg" ? "jpg" : fmt}`);
      await writeFile(file, bytes);
      good.push(file);
    }
    await writeFile(
      join(dir, "folder", "a.png"),
      await encodeWithSharp(noisePixels(20, 20, 3, 9), "png"),
    );
    await writeFile(
      join(dir, "folder", "nested", "b.jpg"),
      await encodeWithSharp(noisePixels(20, 20, 3, 8), "jpeg"),
    );
    await writeFile(join(dir, "folder", "notes.txt"), "not an image, and not picked up");
    await writeFile(join(dir, "truncated.jpg"), await truncatedJpeg());
    await writeFile(join(dir, "empty.jpg"), new Uint8Array(0));
    await writeFile(join(dir, "text.jpg"), textBytes());
    await writeFile(join(dir, "bomb.png"), decompressionBombPng());
    await writeFile(
      join(dir, "corrupt.png"),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 255),
    );
    server = createServer((_req, res) => {
      res.writeHead(404).end("no such image");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await removeDir(dir);
  });

  it("classifies the good inputs and gives each bad one a one-line error, in input order", async () => {
    const inputs = [
      good[0],
      join(dir, "truncated.jpg"),
      join(dir, "empty.jpg"),
      good[1],
      join(dir, "text.jpg"),
      join(dir, "missing.jpg"),
      join(dir, "bomb.png"),
      join(dir, "corrupt.png"),
      `${url}/nope.jpg`,
      "http://127.0.0.1:9/unreachable.jpg",
      good[2],
    ];
    const run = await runCli([
      "classify",
      ...inputs,
      "--model",
      model,
      "-l",
      "cat,dog,frog",
      "--format",
      "jsonl",
    ]);
    assert.equal(run.code, 1, run.stderr);
    const records = parseJsonl(run.stdout) as {
      input: string;
      predictions?: { label: string; score: number }[];
      error?: string;
    }[];
    assert.deepEqual(
      records.map((r) => r.input),
      inputs,
    );
    for (const r of records) {
      const isGood = good.includes(r.input);
      if (isGood) {
        assert.equal(r.predictions?.length, 3, r.input);
        const sum = r.predictions!.reduce((s, p) => s + p.score, 0);
        assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
        assert.deepEqual(
          r.predictions!.map((p) => p.score),
          r.predictions!.map((p) => p.score).sort((a, b) => b - a),
        );
      } else {
        assert.ok(
          r.error && !r.error.includes("\n") && !/at .*\.js:\d+/.test(r.error),
          `${r.input}: ${r.error}`,
        );
      }
    }
    const err = (name: string) => records.find((r) => r.input.endsWith(name))!.error!;
    assert.match(err("truncated.jpg"), /truncated/i);
    assert.match(err("empty.jpg"), /empty|0 bytes/i);
    assert.match(err("text.jpg"), /not an image/i);
    assert.match(err("missing.jpg"), /no such file|not found/i);
    assert.match(err("bomb.png"), /pixels/i);
    assert.match(err("nope.jpg"), /404/);
    assert.match(err("unreachable.jpg"), /127\.0\.0\.1:9/);
    const code = (name: string) =>
      (records.find((r) => r.input.endsWith(name)) as { code?: string }).code;
    assert.deepEqual(
      ["truncated.jpg", "empty.jpg", "text.jpg", "missing.jpg", "bomb.png", "nope.jpg"].map(code),
      [
        "image_unreadable",
        "file_unreadable",
        "image_unreadable",
        "file_not_found",
        "image_too_large",
        "fetch_failed",
      ],
    );
    assert.match(String(code("unreachable.jpg")), /^fetch_(failed|timeout)$/);
    assert.match(run.stderr, /8 of 11 inputs failed/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack traces");
  });

  it("expands folders recursively (images only, sorted) and honours --top-k with softmax over all labels", async () => {
    const run = await runCli([
      "classify",
      join(dir, "folder"),
      "--model",
      model,
      "-l",
      "a,b,c,d",
      "-k",
      "2",
      // A milder scale than CLIP's 100, so the two hidden labels keep a visible share.
      "--logit-scale",
      "10",
      "--format",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const records = JSON.parse(run.stdout) as {
      input: string;
      predictions: { label: string; score: number }[];
    }[];
    const files = [join(dir, "folder", "a.png"), join(dir, "folder", "nested", "b.jpg")];
    assert.deepEqual(
      records.map((r) => r.input),
      files,
    );
    // The two best of a softmax over all four labels, computed by hand from `embed` output: a
    // softmax over the two shown labels only would sum to 1 and fail here.
    const hand = await handZeroShot(
      model,
      files,
      Object.fromEntries(["a", "b", "c", "d"].map((l) => [l, [`a photo of a ${l}.`]])),
      10,
    );
    records.forEach((r, i) => {
      const best = Object.entries(hand[i])
        .sort((x, y) => y[1] - x[1])
        .slice(0, 2);
      assert.deepEqual(
        r.predictions.map((p) => p.label),
        best.map(([l]) => l),
      );
      r.predictions.forEach((p, k) => {
        assert.ok(
          Math.abs(p.score - best[k][1]) <= 1e-5 + 1e-4 * best[k][1],
          `${p.label}: ${p.score}`,
        );
      });
      const two = r.predictions[0].score + r.predictions[1].score;
      assert.ok(1 - two > 0.05, `top-2 of 4 sum ${two}: the other labels keep their share`);
    });
  });

  it("a template ensemble equals the mean of the normalized per-template embeddings (hand computation)", async () => {
    const templates = ["a photo of a {}.", "a drawing of a {c}."];
    const labels = ["cat", "dog"];
    const texts = labels.flatMap((l) => templates.map((t) => t.replace("{}", l).replace("{c}", l)));
    const emb = await runCli(["embed", "--model", model, ...texts.flatMap((t) => ["--text", t])]);
    const img = await runCli(["embed", "--model", model, "--image", good[0]]);
    assert.equal(emb.code, 0, emb.stderr);
    const e = parseJsonl(emb.stdout).map((r) => r.embedding as number[]);
    const imageEmb = parseJsonl(img.stdout)[0].embedding as number[];
    const normalize = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    for (const v of [...e, imageEmb])
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, "embed output is L2-normalized");
    const classEmb = labels.map((_, c) =>
      normalize(e[2 * c].map((x, i) => (x + e[2 * c + 1][i]) / 2)),
    );
    const logits = classEmb.map((c) => 100 * c.reduce((s, x, i) => s + x * imageEmb[i], 0));
    const m = Math.max(...logits);
    const z = logits.reduce((s, l) => s + Math.exp(l - m), 0);
    const want = logits.map((l) => Math.exp(l - m) / z);
    const run = await runCli([
      "classify",
      good[0],
      "--model",
      model,
      "-l",
      labels.join(","),
      ...templates.flatMap((t) => ["-t", t]),
      "--format",
      "jsonl",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const preds = parseJsonl(run.stdout)[0].predictions as { label: string; score: number }[];
    labels.forEach((l, c) => {
      const got = preds.find((p) => p.label === l)!.score;
      assert.ok(Math.abs(got - want[c]) < 1e-4, `${l}: ${got} vs ${want[c]}`);
    });
  });

  it("usage errors exit 2 with one line and no stack; a missing model exits 3", async () => {
    const noLabels = await runCli(["classify", good[0], "--model", model]);
    assert.equal(noLabels.code, 2);
    assert.match(noLabels.stderr, /labels are required/);
    const badFlag = await runCli([
      "classify",
      good[0],
      "--model",
      model,
      "-l",
      "a,b",
      "--top-k",
      "zero",
    ]);
    assert.equal(badFlag.code, 2);
    const stray = await runCli([
      "classify",
      good[0],
      "--model",
      model,
      "-l",
      "a,b",
      "--allow-missing",
    ]);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--allow-missing applies only with --descriptions/);
    const noModel = await runCli([
      "classify",
      good[0],
      "--model",
      join(dir, "no-such-model"),
      "-l",
      "a,b",
    ]);
    assert.equal(noModel.code, 3);
    assert.match(noModel.stderr, /^zeroclip: .*no-such-model/m);
    for (const r of [noLabels, badFlag, noModel]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("an empty folder is a usage error for classify and embed, not an empty success", async () => {
    const empty = join(dir, "empty-folder");
    await mkdir(empty, { recursive: true });
    for (const args of [
      ["classify", empty, "-l", "a,b"],
      ["embed", "--image", empty],
    ]) {
      const run = await runCli([...args, "--model", model]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /^zeroclip: no images found/);
    }
  });

  it("--help shows examples and exits 0", async () => {
    const run = await runCli(["classify", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Examples:/);
    assert.match(run.stdout, /--labels/);
  });
});
