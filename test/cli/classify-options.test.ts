/**
 * classify's documented options, each against an independent expectation computed in the test
 * from `zeroclip embed` output (test/support/hand.ts): --format table, --templates-file with
 * --templates-key or FILE#KEY, --labels-file (JSON list, FILE#KEY map, text), --logit-scale,
 * --max-pixels. Each check also shows the option changes the result, so ignoring it would fail.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseJsonl, runCli } from "../support/cli.js";
import { assertScoresClose, handZeroShot, maxScoreGap, scoresByLabel } from "../support/hand.js";
import { encodeWithSharp, makeTempDir, noisePixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";

const LABELS = ["cat", "tree frog", "origami horse"];
const DEFAULT = (l: string) => [`a photo of a ${l}.`];

describe("classify options (generated tiny model)", () => {
  let model: string;
  let dir: string;
  const images: string[] = [];

  before(async () => {
    model = await ensureFixtureModel("tiny");
    dir = await makeTempDir("zeroclip-classify-options-");
    for (const [i, [w, h]] of [
      [50, 40],
      [64, 64],
    ].entries()) {
      const file = join(dir, `img${i}.png`);
      await writeFile(file, await encodeWithSharp(noisePixels(w, h, 3, 60 + i), "png"));
      images.push(file);
    }
  });
  after(() => removeDir(dir));

  const classify = async (args: string[], inputs = images) => {
    const run = await runCli(["classify", ...inputs, "--model", model, "--no-cache", ...args]);
    return run;
  };
  const jsonl = async (args: string[]) => {
    const run = await classify([...args, "--format", "jsonl"]);
    assert.equal(run.code, 0, run.stderr);
    return scoresByLabel(run.stdout);
  };
  const byLabel = (f: (l: string) => string[]) => Object.fromEntries(LABELS.map((l) => [l, f(l)]));

  it("--format table: one row per label, best first, scores to 4 decimals", async () => {
    const want = await handZeroShot(model, images, byLabel(DEFAULT));
    const run = await classify(["-l", LABELS.join(","), "--format", "table"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^input\s+label\s+score$/);
    assert.match(lines[1], /^-+ {2}-+ {2}-+$/);
    // Column starts from the dashes line.
    const starts = [0, ...[...lines[1].matchAll(/ {2}-/g)].map((m) => m.index + 2)];
    const cells = lines
      .slice(2)
      .map((l) => starts.map((s, c) => l.slice(s, starts[c + 1] ?? undefined).trim()));
    assert.equal(cells.length, images.length * LABELS.length);
    images.forEach((img, i) => {
      const rows = cells.slice(i * LABELS.length, (i + 1) * LABELS.length);
      assert.deepEqual(
        rows.map((r) => r[0]),
        [img, ...LABELS.slice(1).map(() => "")],
      );
      const ranked = Object.entries(want[i]).sort((a, b) => b[1] - a[1]);
      assert.deepEqual(
        rows.map((r) => r[1]),
        ranked.map(([l]) => l),
      );
      for (const [k, r] of rows.entries()) {
        assert.match(r[2], /^\d\.\d{4}$/);
        assert.ok(Math.abs(Number(r[2]) - ranked[k][1]) <= 5e-5 + 1e-6, `${r[1]}: ${r[2]}`);
      }
    });
  });

  it("--templates-file with --templates-key, FILE#KEY, or a plain list", async () => {
    const map = join(dir, "templates.json");
    const b = ["a sketch of a {}.", "art of the {c}, very detailed."];
    await writeFile(map, JSON.stringify({ a: ["a photo of a {}."], b }));
    const list = join(dir, "templates-list.json");
    await writeFile(list, JSON.stringify(b));
    const fill = (l: string) => b.map((t) => t.replace("{}", l).replace("{c}", l));
    const want = await handZeroShot(model, images, byLabel(fill));
    const keyed = await jsonl([
      "-l",
      LABELS.join(","),
      "--templates-file",
      map,
      "--templates-key",
      "b",
    ]);
    assertScoresClose(keyed, want, "--templates-key b");
    assertScoresClose(
      await jsonl(["-l", LABELS.join(","), "--templates-file", `${map}#b`]),
      want,
      "FILE#b",
    );
    assertScoresClose(
      await jsonl(["-l", LABELS.join(","), "--templates-file", list]),
      want,
      "list",
    );
    const other = await jsonl([
      "-l",
      LABELS.join(","),
      "--templates-file",
      map,
      "--templates-key",
      "a",
    ]);
    assertScoresClose(other, await handZeroShot(model, images, byLabel(DEFAULT)), "key a");
    assert.ok(maxScoreGap(keyed, other) > 1e-3, "the key picks different templates");
    const noKey = await classify(["-l", LABELS.join(","), "--templates-file", map]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /\ba\b.*\bb\b/, "a map without a key names its keys");
  });

  it("--labels-file: a JSON list, FILE#KEY of a map, a text file", async () => {
    const want = await handZeroShot(model, images, byLabel(DEFAULT));
    const list = join(dir, "labels.json");
    await writeFile(list, JSON.stringify(LABELS));
    const map = join(dir, "labels-map.json");
    await writeFile(map, JSON.stringify({ other: ["dog", "ship"], mine: LABELS }));
    const text = join(dir, "labels.txt");
    await writeFile(text, `# my classes\n${LABELS.join("\n")}\n\n`);
    for (const file of [list, `${map}#mine`, text]) {
      assertScoresClose(await jsonl(["--labels-file", file]), want, file);
    }
    const other = await jsonl(["--labels-file", `${map}#other`]);
    assert.deepEqual(Object.keys(other[0]).sort(), ["dog", "ship"]);
    assertScoresClose(
      other,
      await handZeroShot(model, images, { dog: DEFAULT("dog"), ship: DEFAULT("ship") }),
    );
  });

  it("--logit-scale s gives softmax(s · cosine)", async () => {
    const labels = ["-l", LABELS.join(",")];
    const want10 = await handZeroShot(model, images, byLabel(DEFAULT), 10);
    const got10 = await jsonl([...labels, "--logit-scale", "10"]);
    assertScoresClose(got10, want10, "scale 10");
    const want100 = await handZeroShot(model, images, byLabel(DEFAULT), 100);
    assertScoresClose(await jsonl(labels), want100, "default scale 100");
    assert.ok(maxScoreGap(want10, want100) > 1e-2, "the scale changes the probabilities");
    const bad = await classify([...labels, "--logit-scale", "0"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--logit-scale must be a positive number/);
  });

  it("--max-pixels refuses larger images (width × height from the header) and keeps the rest", async () => {
    // images[0] is 50 × 40 = 2000 pixels, images[1] 64 × 64 = 4096.
    const at = await classify(["-l", "a,b", "--max-pixels", "4096", "--format", "jsonl"]);
    assert.equal(at.code, 0, at.stderr);
    const below = await classify(["-l", "a,b", "--max-pixels", "4095", "--format", "jsonl"]);
    assert.equal(below.code, 1, below.stderr);
    const records = parseJsonl(below.stdout);
    assert.equal(records[0].input, images[0]);
    assert.equal((records[0].predictions as unknown[]).length, 2);
    assert.equal(records[1].input, images[1]);
    assert.match(String(records[1].error), /4096 pixels, above the 4095 limit/);
    assert.deepEqual(records[0], parseJsonl(at.stdout)[0]);
    const small = await classify(["-l", "a,b", "--max-pixels", "1999", "--format", "jsonl"]);
    assert.equal(small.code, 1);
    assert.ok(
      parseJsonl(small.stdout).every((r) => /pixels, above the 1999 limit/.test(String(r.error))),
    );
    assert.match(small.stderr, /2 of 2 inputs failed/);
  });
});
