#!/usr/bin/env node
// Builds dist/ atomically: the WebAssembly kernels are assembled, the browser code (src/browser/)
// is checked and bundled into a generated module, tsc compiles into a fresh
// temporary directory, and only a successful compile is swapped into place. A build killed at
// any moment leaves the previous dist/ (or, during the two renames of the swap, .dist-prev/,
// which bin/zeroclip.js and the next build fall back to) able to run.
//
//   node scripts/build.mjs              always compile
//   node scripts/build.mjs --prepare    npm's `prepare` hook: compile only when the sources
//                                       changed since dist/ was built; under `npx zeroclip`
//                                       (npm_command=exec, which installs the project into
//                                       npx's cache and runs `prepare` again) never rebuild
//                                       an existing dist/, so the CLI just starts.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const prev = join(root, ".dist-prev");
const STAMP = ".build-stamp";
const prepare = process.argv.includes("--prepare");

function log(line) {
  process.stderr.write(`build: ${line}\n`);
}

/** The files whose content decides the build's output (the generated wasm module is derived). */
function inputFiles() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith(".generated.ts")) out.push(p);
    }
  };
  for (const d of ["src", "test", "bench"]) if (existsSync(join(root, d))) walk(join(root, d));
  out.push(
    join(root, "tsconfig.json"),
    join(root, "scripts", "build-wasm.mjs"),
    join(root, "scripts", "build-browser.mjs"),
  );
  return out.sort();
}

function sourceHash() {
  const h = createHash("sha256");
  for (const f of inputFiles()) {
    h.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  }
  return h.digest("hex");
}

function readStamp() {
  try {
    return readFileSync(join(dist, STAMP), "utf8").trim();
  } catch {
    return undefined;
  }
}

// A build killed between the two renames of its swap left dist/ missing: put it back.
if (!existsSync(dist) && existsSync(prev)) renameSync(prev, dist);
// Temporary directories of builds that were killed mid-compile. Best effort: the compiler of a
// killed build can outlive it and still be writing there (rmdir then fails with ENOTEMPTY); what
// is left now is removed by a later build.
for (const e of readdirSync(root)) {
  if (!e.startsWith(".dist-build-")) continue;
  try {
    rmSync(join(root, e), { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  } catch (err) {
    log(`left ${e} in place (${err.code ?? err.message})`);
  }
}

const hash = sourceHash();
if (prepare && existsSync(join(dist, "src", "cli", "main.js"))) {
  if (process.env.npm_command === "exec") process.exit(0);
  if (readStamp() === hash) {
    log("dist/ is up to date");
    process.exit(0);
  }
}

const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
let r = run([join(root, "scripts", "build-wasm.mjs")]);
if (r.status !== 0) process.exit(r.status ?? 1);
r = run([join(root, "scripts", "build-browser.mjs")]);
if (r.status !== 0) {
  log("the browser code failed to check or bundle; dist/ is unchanged");
  process.exit(r.status ?? 1);
}

const tmp = join(root, `.dist-build-${process.pid}`);
rmSync(tmp, { recursive: true, force: true });
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
r = run([tsc, "-p", join(root, "tsconfig.json"), "--outDir", tmp]);
if (r.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  log("tsc failed; dist/ is unchanged");
  process.exit(r.status ?? 1);
}
writeFileSync(join(tmp, STAMP), `${hash}\n`);

// The swap: two renames, each atomic. Between them only .dist-prev/ exists, and both
// bin/zeroclip.js and the next build use it.
rmSync(prev, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, prev);
renameSync(tmp, dist);
rmSync(prev, { recursive: true, force: true });
log("dist/ built");
