import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  classnamesFromJson,
  readClassnames,
  resolveClassnames,
} from "../../src/dataset/classnames.js";
import { loadDataset, parseCsv } from "../../src/dataset/dataset.js";
import { parseStrategies, parseStrategy } from "../../src/eval/strategies.js";
import { UsageError } from "../../src/util/errors.js";
import { sampleItems, seededPermutation } from "../../src/util/sample.js";
import { type GeneratedDataset, writeColourDataset } from "../support/datasets.js";
import { sharedPath } from "../support/paths.js";

describe("eval datasets", () => {
  let dir: string;
  let ds: GeneratedDataset;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-eval-ds-"));
    ds = await writeColourDataset(join(dir, "set"), { perClass: 3 });
    await writeFile(join(ds.root, "list.csv"), ds.csv);
    await writeFile(join(ds.root, "list.jsonl"), ds.jsonl);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads an image folder: sorted class folders, sorted files, corrupt file listed", async () => {
    const d = await loadDataset(ds.root);
    assert.equal(d.format, "folder");
    assert.deepEqual(d.classes.names, ds.classes);
    assert.equal(d.items.length, ds.images.length + 1);
    assert.ok(d.items.some((i) => i.path === ds.corrupt && i.label === 0));
    for (const img of ds.images) {
      const item = d.items.find((i) => i.path === img.path);
      assert.equal(d.classes.names[item!.label], img.label);
    }
  });

  it("reads CSV and JSONL listings with paths relative to the file", async () => {
    for (const file of ["list.csv", "list.jsonl"]) {
      const d = await loadDataset(join(ds.root, file));
      assert.deepEqual(d.classes.names, ds.classes);
      assert.equal(d.items.length, ds.images.length + 1);
      assert.equal(d.items[0].path, ds.images[0].path);
    }
  });

  it("maps a classnames list onto sorted folders, a map by folder name", async () => {
    const names = ds.classes.map((c) => `a ${c} thing`);
    const d = await loadDataset(ds.root, { kind: "list", names });
    assert.deepEqual(d.classes.ids, ds.classes);
    assert.deepEqual(d.classes.names, names);
    const m = await loadDataset(ds.root, {
      kind: "map",
      names: Object.fromEntries(ds.classes.map((c) => [c, c.toUpperCase()])),
    });
    assert.deepEqual(
      m.classes.names,
      ds.classes.map((c) => c.toUpperCase()),
    );
    await assert.rejects(loadDataset(ds.root, { kind: "list", names: ["x"] }), UsageError);
    await assert.rejects(loadDataset(ds.root, { kind: "map", names: { red: "r" } }), /no name for/);
  });

  it("integer labels index a classnames list", async () => {
    const csv = join(dir, "idx.csv");
    await writeFile(csv, `a.png,2\n"b,c.png",0\n`);
    const d = await loadDataset(csv, { kind: "list", names: ["zero", "one", "two"] });
    assert.deepEqual(d.classes.names, ["zero", "one", "two"]);
    assert.deepEqual(
      d.items.map((i) => [i.path, i.label]),
      [
        [join(dir, "a.png"), 2],
        [join(dir, "b,c.png"), 0],
      ],
    );
  });

  it("parses CSV quoting", () => {
    assert.deepEqual(
      parseCsv('a,"b ""q"", c"\r\n\n"x\ny",z').map((r) => r.row),
      [
        ["a", 'b "q", c'],
        ["x\ny", "z"],
      ],
    );
  });

  it("a quote left open is an error naming its line, not one cell holding the rest of the file", () => {
    assert.throws(
      () => parseCsv('path,label\na.png,"cat\nb.png,dog\n', "d.csv"),
      (err: Error) => err instanceof UsageError && /^d\.csv:2: .*never closed/.test(err.message),
    );
  });

  it("reads classnames files: lists, maps, keyed maps", () => {
    assert.deepEqual(classnamesFromJson(["a", "b"], undefined, "f"), {
      kind: "list",
      names: ["a", "b"],
    });
    assert.deepEqual(classnamesFromJson({ n1: "tench" }, undefined, "f"), {
      kind: "map",
      names: { n1: "tench" },
    });
    assert.deepEqual(classnamesFromJson({ d1: ["a"], d2: ["b"] }, "d2", "f").names, ["b"]);
    assert.throws(() => classnamesFromJson({ d1: ["a"], d2: ["b"] }, undefined, "f"), /FILE#KEY/);
    assert.throws(
      () => resolveClassnames(["a", "b"], { kind: "list", names: ["x", "x"] }),
      /twice/,
    );
  });

  const sharedClassnames = sharedPath("templates", "clip_benchmark_classnames.json");
  it("reads CLIP_benchmark's classnames file with FILE#KEY", {
    skip: sharedClassnames ? false : "../shared absent",
  }, async () => {
    const pets = await readClassnames(`${sharedClassnames}#pets`);
    assert.equal(pets.kind, "list");
    assert.equal((pets.names as string[]).length, 37);
  });

  it("samples deterministically: seeded shuffle, first n per class, dataset order kept", () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ id: i, label: i % 3 }));
    const a = sampleItems(items, { perClass: 4, seed: 7 });
    assert.deepEqual(a, sampleItems(items, { perClass: 4, seed: 7 }));
    assert.equal(a.length, 12);
    for (let c = 0; c < 3; c++) assert.equal(a.filter((i) => i.label === c).length, 4);
    assert.deepEqual(
      a.map((i) => i.id),
      [...a.map((i) => i.id)].sort((x, y) => x - y),
    );
    assert.notDeepEqual(a, sampleItems(items, { perClass: 4, seed: 8 }));
    assert.equal(sampleItems(items, { limit: 10 }).length, 10);
    assert.equal(sampleItems(items, { perClass: 2, limit: 5 }).length, 5);
    assert.equal(sampleItems(items).length, 60);
    assert.deepEqual(
      [...seededPermutation(50, 1)].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it("parses strategies", () => {
    assert.deepEqual(parseStrategy("base=single:a photo of a {}."), {
      name: "base",
      kind: "single",
      arg: "a photo of a {}.",
    });
    assert.deepEqual(parseStrategy("both=cupl+ensemble:d.json,t.json#cifar10"), {
      name: "both",
      kind: "cupl+ensemble",
      arg: "d.json,t.json#cifar10",
    });
    assert.equal(parseStrategy("cupl:d.json").name, "cupl");
    assert.equal(parseStrategy("single:x = {}").arg, "x = {}");
    assert.throws(() => parseStrategy("base=single:no placeholder"), /placeholder/);
    assert.throws(() => parseStrategy("base=fancy:x"), /KIND/);
    assert.throws(() => parseStrategy("both=cupl+ensemble:d.json"), /DESCRIPTIONS_FILE/);
    assert.throws(() => parseStrategies(["a=single:{}", "a=cupl:x"]), /twice/);
    assert.throws(() => parseStrategies([]), /at least one/);
  });

  it("rejects a folder without class subfolders", async () => {
    const flat = join(dir, "flat");
    await mkdir(flat, { recursive: true });
    await writeFile(join(flat, "x.png"), "x");
    await assert.rejects(loadDataset(flat), /no class subfolders/);
    await assert.rejects(loadDataset(join(dir, "missing")), /not found/);
  });
});
