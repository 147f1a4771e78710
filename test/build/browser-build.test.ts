/**
 * The browser code's build (scripts/build-browser.mjs): a type error in src/browser/ stops the
 * build before anything is written, and the bundles it writes are what the page and the report
 * use: classic scripts (no module syntax, so they run inlined in a self-contained report), each
 * with its entry's code, served as /assets/app.js and inlined in the eval report.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, cp, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Script } from "node:vm";
import Fastify from "fastify";
import { PAGE_SCRIPT, REPORT_SCRIPT } from "../../src/browser/bundles.generated.js";
import { type ReportData, renderReportHtml } from "../../src/eval/report.js";
import type { ServeContext } from "../../src/serve/context.js";
import { pageRoutes } from "../../src/serve/page/plugin.js";
import { repoRoot } from "../support/paths.js";

describe("scripts/build-browser.mjs", () => {
  let project: string;
  before(async () => {
    project = await mkdtemp(join(tmpdir(), "zeroclip-browser-build-"));
    await cp(join(repoRoot, "src", "browser"), join(project, "src", "browser"), {
      recursive: true,
      filter: (p) => !p.endsWith(".generated.ts"),
    });
    await cp(
      join(repoRoot, "scripts", "build-browser.mjs"),
      join(project, "scripts", "build-browser.mjs"),
    );
    await symlink(join(repoRoot, "node_modules"), join(project, "node_modules"));
  });
  after(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  const build = () =>
    spawnSync(process.execPath, ["scripts/build-browser.mjs"], {
      cwd: project,
      encoding: "utf8",
      timeout: 120_000,
    });
  const generated = () => join(project, "src", "browser", "bundles.generated.ts");

  it("refuses a type error in the browser code and writes nothing", async () => {
    const main = join(project, "src", "browser", "page", "main.ts");
    const clean = await readFile(main, "utf8");
    // A DOM misuse that only the DOM-typed check sees: an input's value is a string.
    await appendFile(main, '\nconst n: number = byId<HTMLInputElement>("llm-n").value;\nvoid n;\n');
    try {
      const r = build();
      assert.notEqual(r.status, 0, "the build passed a type error");
      assert.match(r.stdout + r.stderr, /page\/main\.ts.*error TS2322/);
      assert.ok(!existsSync(generated()), "a bundle was written despite the error");
    } finally {
      await rm(main);
      await appendFile(main, clean);
    }
    const r = build();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const text = await readFile(generated(), "utf8");
    assert.match(text, /^export const PAGE_SCRIPT = "/m);
    assert.match(text, /^export const REPORT_SCRIPT = "/m);
  });
});

describe("the built bundles", () => {
  it("are classic scripts holding their entries' code", () => {
    for (const [code, marker] of [
      [PAGE_SCRIPT, '"/v1/classify"'],
      [REPORT_SCRIPT, '"report-data"'],
    ]) {
      assert.ok(code.length > 5000, `${code.length} characters`);
      assert.ok(code.includes(marker), marker);
      assert.ok(code.includes("is missing from the page"), "the shared DOM helper is bundled");
      assert.doesNotThrow(() => new Script(code), "not a classic script");
      assert.doesNotMatch(code, /^\s*(import|export)\s/m);
    }
  });

  it("are what the server sends as /assets/app.js and what the report inlines", async () => {
    const app = Fastify();
    await app.register(pageRoutes, { ctx: {} as ServeContext });
    try {
      const r = await app.inject({ method: "GET", url: "/assets/app.js" });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers["content-type"]), /^text\/javascript/);
      assert.equal(r.body, PAGE_SCRIPT);
    } finally {
      await app.close();
    }
    const data: ReportData = {
      title: "t",
      generated: "2026-01-01T00:00:00.000Z",
      classes: ["a"],
      images: { total: 0, evaluated: 0, failed: 0 },
      strategies: [],
      thumbs: {},
      failed: [],
    };
    const html = renderReportHtml(data, "/* chart */");
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    // The bundle needs no escaping to sit inside a <script> element: it is inlined as it is.
    assert.doesNotMatch(REPORT_SCRIPT, /<\/script|<!--/i);
    assert.deepEqual(scripts, ["/* chart */", REPORT_SCRIPT]);
  });
});
