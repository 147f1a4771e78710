/**
 * The CLI never breaks because of a build: `npx zeroclip` with an empty npm cache does not
 * rebuild dist/ (npm runs `prepare` when npx installs the project into its cache), and a build
 * killed at any moment leaves a CLI that starts.
 */
import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../support/paths.js";

const version = async (): Promise<string> =>
  JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")).version;

/** An environment with a fresh HOME, hence an empty npm cache and no user npmrc. */
function freshNpmEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const k of Object.keys(env)) if (k.toLowerCase().startsWith("npm_")) delete env[k];
  env.npm_config_cache = join(home, ".npm");
  env.npm_config_update_notifier = "false";
  env.npm_config_audit = "false";
  env.npm_config_fund = "false";
  return env;
}

describe("npx zeroclip with an empty npm cache", () => {
  it("runs the CLI without rebuilding dist/", async () => {
    const home = await mkdtemp(join(tmpdir(), "zeroclip-home-"));
    try {
      const dist = join(repoRoot, "dist");
      const stamp = join(dist, ".build-stamp");
      const before = { ino: statSync(dist).ino, stampMtime: statSync(stamp).mtimeMs };
      const r = spawnSync("npx", ["--no-install", "zeroclip", "--version"], {
        cwd: repoRoot,
        env: freshNpmEnv(home),
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), await version());
      assert.ok(existsSync(join(home, ".npm", "_npx")), "npx installed the project into its cache");
      assert.equal(statSync(dist).ino, before.ino, "dist/ was replaced");
      assert.equal(statSync(stamp).mtimeMs, before.stampMtime, "dist/ was rebuilt");
      assert.doesNotMatch(r.stderr, /build:|resample\.wat/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

/**
 * A small project built by the real scripts/build.mjs and started by the real bin/zeroclip.js:
 * every build step runs for real (wasm assembly of the real resample.wat, the browser check and
 * bundle, tsc, the swap) on little source, so a whole build takes a couple of seconds instead of
 * compiling all of src/ again (`npm test` builds the real project already;
 * test/build/browser-build.test.ts covers the real browser code). Its tsconfig files are the
 * real ones without Node's and the DOM's type declarations (their parse is most of a small
 * compile; a shim declares the few Node APIs used). Its CLI entry needs every kind of build
 * output at run time: its compiled modules and the two generated ones, so a dist/ missing any
 * of them does not start.
 */
async function writeSmallProject(project: string): Promise<void> {
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(project, path)), { recursive: true });
    await writeFile(join(project, path), text);
  };
  for (const d of ["scripts", "bin"])
    await cp(join(repoRoot, d), join(project, d), { recursive: true });
  for (const f of ["package.json", join("src", "image", "resample.wat")])
    await cp(join(repoRoot, f), join(project, f));
  const config = JSON.parse(await readFile(join(repoRoot, "tsconfig.json"), "utf8"));
  config.compilerOptions.types = [];
  await write("tsconfig.json", JSON.stringify(config, null, 2));
  const browser = JSON.parse(
    await readFile(join(repoRoot, "src", "browser", "tsconfig.json"), "utf8"),
  );
  browser.compilerOptions.lib = browser.compilerOptions.lib.filter(
    (l: string) => !l.startsWith("DOM"),
  );
  await write(join("src", "browser", "tsconfig.json"), JSON.stringify(browser, null, 2));
  for (const entry of ["page", "report"]) {
    await write(
      join("src", "browser", entry, "main.ts"),
      `(globalThis as unknown as { title?: string }).title = ${JSON.stringify(entry)};\n`,
    );
  }
  await write(
    join("src", "node-shim.d.ts"),
    `declare const process: { stdout: { write(text: string): boolean } };
declare const Buffer: { from(text: string, encoding: "base64"): Uint8Array };
declare class URL {
  constructor(url: string, base?: string);
}
interface ImportMeta {
  url: string;
}
declare module "node:fs" {
  export function readFileSync(path: URL, encoding: "utf8"): string;
}
`,
  );
  await write(
    join("src", "util", "version.ts"),
    `import { readFileSync } from "node:fs";

/** The version in package.json (dist/src/util → the project root). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}
`,
  );
  await write(
    join("src", "math", "mean.ts"),
    `export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
`,
  );
  await write(
    join("src", "cli", "main.ts"),
    `import { PAGE_SCRIPT, REPORT_SCRIPT } from "../browser/bundles.generated.js";
import { RESAMPLE_WASM_BASE64 } from "../image/resample-wasm.generated.js";
import { mean } from "../math/mean.js";
import { packageVersion } from "../util/version.js";

/** Prints the version when every part of the build is there and works. */
export async function main(argv: string[]): Promise<number> {
  const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } })
    .WebAssembly;
  if (!wasm.validate(Buffer.from(RESAMPLE_WASM_BASE64, "base64"))) return 74;
  if (!PAGE_SCRIPT.includes("page") || !REPORT_SCRIPT.includes("report")) return 71;
  if (mean([1, 2]) !== 1.5) return 72;
  if (argv[0] === "--version") process.stdout.write(\`\${packageVersion()}\\n\`);
  return 0;
}
`,
  );
  await symlink(join(repoRoot, "node_modules"), join(project, "node_modules"));
}

describe("an interrupted build", () => {
  let project: string;
  /** How long a whole build of the small project takes here. */
  let buildMs: number;

  before(async () => {
    project = await mkdtemp(join(tmpdir(), "zeroclip-build-"));
    await writeSmallProject(project);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["scripts/build.mjs"], {
      cwd: project,
      encoding: "utf8",
    });
    buildMs = performance.now() - t0;
    assert.equal(r.status, 0, r.stderr);
  });

  after(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  const cli = (): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, ["bin/zeroclip.js", "--version"], {
      cwd: project,
      encoding: "utf8",
      timeout: 30_000,
    });

  it("leaves a CLI that starts, whenever it is killed", async () => {
    const v = await version();
    // Kill points spread over the whole build (wasm assembly, browser check and bundle,
    // compile, swap), as fractions of the time a whole build takes on this machine.
    for (const fraction of [0.03, 0.15, 0.35, 0.55, 0.75, 0.92]) {
      const delayMs = Math.round(fraction * buildMs);
      // Its own process group, killed whole: the compiler build.mjs started dies with it
      // instead of compiling on for nothing (the next test covers a compiler left running).
      const child = spawn(process.execPath, ["scripts/build.mjs"], {
        cwd: project,
        stdio: "ignore",
        detached: true,
      });
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          child.kill("SIGKILL"); // the group is gone already
        }
      }, delayMs);
      await exited;
      clearTimeout(timer);
      const r = cli();
      assert.equal(r.status, 0, `killed after ${delayMs} ms: ${r.stderr}`);
      assert.equal(r.stdout.trim(), v);
    }
  });

  it("a killed build's compiler still writing into its temporary folder does not fail the next build", async () => {
    // SIGKILL ends build.mjs but not the tsc it started, which keeps writing into
    // .dist-build-<pid>: the next build's clean-up of that folder must not fail the build.
    const leftover = join(project, ".dist-build-1");
    await mkdir(join(leftover, "src"), { recursive: true });
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const end = Date.now() + 3000;
         for (let i = 0; Date.now() < end; i++) {
           try { const d = ${JSON.stringify(leftover)} + "/src/d" + (i % 50);
             fs.mkdirSync(d, { recursive: true }); fs.writeFileSync(d + "/f" + i, "x"); } catch {}
         }`,
      ],
      { stdio: "ignore" },
    );
    const done = new Promise<void>((resolve) => writer.on("exit", () => resolve()));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const b = spawnSync(process.execPath, ["scripts/build.mjs", "--prepare"], {
        cwd: project,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(b.status, 0, b.stderr);
    } finally {
      writer.kill("SIGKILL");
      await done;
      await rm(leftover, { recursive: true, force: true });
    }
  });

  it("a kill between the swap's two renames leaves .dist-prev, used until the next build", async () => {
    await rename(join(project, "dist"), join(project, ".dist-prev"));
    const r = cli();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), await version());
    const b = spawnSync(process.execPath, ["scripts/build.mjs", "--prepare"], {
      cwd: project,
      encoding: "utf8",
    });
    assert.equal(b.status, 0, b.stderr);
    assert.ok(existsSync(join(project, "dist", "src", "cli", "main.js")));
    assert.ok(!existsSync(join(project, ".dist-prev")));
  });

  it("--prepare skips an up-to-date build and rebuilds after a source change", async () => {
    const build = () =>
      spawnSync(process.execPath, ["scripts/build.mjs", "--prepare"], {
        cwd: project,
        encoding: "utf8",
      });
    // Up to date first (the earlier tests leave it so; a compile only if they did not).
    const first = build();
    assert.equal(first.status, 0, first.stderr);
    const ino = statSync(join(project, "dist")).ino;
    const same = build();
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stderr, /up to date/);
    assert.equal(statSync(join(project, "dist")).ino, ino);
    await mkdir(join(project, "src", "extra"), { recursive: true });
    await cp(join(project, "src", "math", "mean.ts"), join(project, "src", "extra", "copy.ts"));
    const changed = build();
    assert.equal(changed.status, 0, changed.stderr);
    assert.notEqual(statSync(join(project, "dist")).ino, ino);
    assert.ok(existsSync(join(project, "dist", "src", "extra", "copy.js")));
  });

  it("without any build, the CLI says how to build and exits 70", async () => {
    await rm(join(project, "dist"), { recursive: true, force: true });
    const r = cli();
    assert.equal(r.status, 70);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^zeroclip: not built: run `npm run build` in .+\n$/);
  });
});
