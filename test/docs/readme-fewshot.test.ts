/**
 * The README's few-shot flow runs as written (three commands: adapt, classify --adapter,
 * eval --train), on generated colour folders with the probe model (at 32 pixels, about the
 * images' size) in place of the hub model.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../support/cli.js";
import { SMALL_PHOTOS_PROBE, writeColourDataset } from "../support/datasets.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { repoRoot } from "../support/paths.js";

/** Split a shell command line: whitespace outside double quotes separates words. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let started = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (started) out.push(cur);
      cur = "";
      started = false;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out;
}

describe("README few-shot flow", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zeroclip-readme-fewshot-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("adapt, classify --adapter and eval --train run as the README shows them", async () => {
    const readme = await readFile(join(repoRoot, "README.md"), "utf8");
    const section = readme.split("## Few-shot")[1]?.split("\n## ")[0];
    assert.ok(section, "README has a few-shot section");
    const block = section.match(/```sh\n([\s\S]*?)```/)?.[1];
    assert.ok(block);
    const commands = block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .filter((l) => l.startsWith("npx zeroclip "))
      .map((l) => words(l).slice(2));
    assert.deepEqual(
      commands.map((c) => c[0]),
      ["adapt", "classify", "eval"],
    );
    const probe = await ensureFixtureModel("probe", SMALL_PHOTOS_PROBE);
    await writeColourDataset(join(dir, "photos"), { perClass: 20, corrupt: false });
    await writeColourDataset(join(dir, "new-photos"), {
      perClass: 2,
      corrupt: false,
      firstIndex: 20,
    });
    await writeColourDataset(join(dir, "test"), { perClass: 3, corrupt: false, firstIndex: 22 });
    const env = { ZEROCLIP_CACHE: join(dir, "cache") };
    const runs = [];
    for (const args of commands) {
      const localized = args.map((a) =>
        /^(photos|new-photos|test)\/$|\.(safetensors|html)$/.test(a) ? join(dir, a) : a,
      );
      const run = await runCli(
        [...localized, "--model", probe, "--format", "json"],
        { ...env },
        300_000,
      );
      assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      runs.push(run);
    }
    const summary = JSON.parse(runs[0].stdout);
    assert.equal(summary.method, "gda");
    assert.equal(summary.searched, true);
    const records = JSON.parse(runs[1].stdout) as { predictions: unknown[] }[];
    assert.equal(records.length, 12);
    const doc = JSON.parse(runs[2].stdout);
    assert.deepEqual(Object.keys(doc.strategies.base.fewshot), ["tip-adapter", "gda"]);
    assert.ok(doc.strategies.base.fewshot.gda["16"].top1_mean > doc.strategies.base.top1);
    assert.match(
      await readFile(join(dir, "fewshot.html"), "utf8"),
      /Few-shot: accuracy versus shots/,
    );
  });
});
