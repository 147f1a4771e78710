/**
 * Layers only point down, and nothing imports in a circle (docs/architecture.md, "Layers"):
 * a module may import from its own layer or a lower one, never from a higher one; no two files
 * import each other through any chain (type-only imports included); folders of one layer do not
 * import each other both ways. There is no exceptions list: a new folder must be given a layer
 * here, and a violation is fixed by moving the shared piece down.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, it } from "node:test";
import {
  cycles,
  folderCycles,
  type ImportEdge,
  importEdges,
  upwardImports,
} from "../support/import-graph.js";
import { repoRoot } from "../support/paths.js";

/** Higher numbers may import lower ones (and their own). The top-level files of src/ are the API. */
export const LAYERS: Readonly<Record<string, number>> = {
  "index.ts": 6,
  cli: 5,
  serve: 5,
  app: 4,
  store: 3,
  queue: 3,
  eval: 3,
  adapt: 3,
  classify: 3,
  prompts: 3,
  dataset: 3,
  cache: 3,
  model: 2,
  image: 1,
  text: 1,
  transductive: 0,
  // The code that runs in the browser: it imports nothing of src/ (scripts/build-browser.mjs
  // bundles it for the page and the reports, which import the bundles and its data types).
  browser: 0,
  math: 0,
  util: 0,
};

function readSources(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts"))
        out.set(relative(root, p).split(sep).join("/"), readFileSync(p, "utf8"));
    }
  };
  walk(root);
  return out;
}

describe("the import graph of src/", () => {
  const sources = readSources(join(repoRoot, "src"));
  const edges = importEdges(sources);

  it("is read: every top folder of src/ has files and imports are found", () => {
    assert.ok(sources.size > 100, `${sources.size} source files`);
    assert.ok(edges.length > sources.size, `${edges.length} imports`);
    for (const e of edges) assert.ok(sources.has(e.to), `${e.from} imports ${e.to}, which exists`);
  });

  it("has no import from a higher layer, and every folder has a layer", () => {
    assert.deepEqual(upwardImports(edges, LAYERS), []);
  });

  it("has no import cycle between files (type-only imports included)", () => {
    assert.deepEqual(
      cycles(edges).map((c) => c.join(" -> ")),
      [],
    );
  });

  it("has no cycle between folders", () => {
    assert.deepEqual(
      folderCycles(edges).map((c) => c.join(" <-> ")),
      [],
    );
  });
});

describe("the checks catch what they look for (a hand-made graph)", () => {
  const graph = new Map<string, string>([
    ["image/worker.ts", 'import { augmentView } from "../adapt/augment.js";\n'],
    [
      "adapt/augment.ts",
      '// import { x } from "../cli/main.js" is a comment\nexport const a = 1;\n',
    ],
    ["adapt/features.ts", 'import type { D } from "../eval/dataset.js";\n'],
    ["eval/dataset.ts", 'export { fit } from "../adapt/fit.js";\n'],
    ["adapt/fit.ts", "export const fit = 1;\n"],
    ["serve/context.ts", 'import type { S } from "./options.js";\n'],
    ["serve/options.ts", 'const c = await import("./context.js");\n'],
    ["gpu/kernel.ts", 'import "../util/hash.js";\n'],
    ["util/hash.ts", "export {};\n"],
  ]);
  const edges: ImportEdge[] = importEdges(graph);

  it("finds static, type-only, re-export, dynamic and side-effect imports, not comments", () => {
    assert.equal(edges.length, 6);
    assert.ok(!edges.some((e) => e.to.startsWith("cli/")));
  });

  it("reports the upward import and the folder without a layer", () => {
    assert.deepEqual(upwardImports(edges, LAYERS), [
      "gpu has no layer",
      "image/worker.ts -> adapt/augment.ts",
    ]);
  });

  it("reports the type-only file cycle and the folder cycle", () => {
    assert.deepEqual(cycles(edges), [["serve/context.ts", "serve/options.ts"]]);
    assert.deepEqual(folderCycles(edges), [["adapt", "eval"]]);
  });
});
