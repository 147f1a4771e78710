#!/usr/bin/env node
// Runs every compiled `*.test.js` under dist/test with node's test runner, several files at a time.
//
//   node scripts/test.mjs [SUBSTRING...] [--tier unit|e2e] [--jobs N] [--e2e-jobs N]
//                         [--times [--times-file F]] [--save-times] [--count-asserts]
//
// Each file runs in its own `node --test-reporter=R FILE` process (node:test runs the tests of
// the file it is imported by; `node --test FILE` would start a second process per file), with
// its own temporary directory as $ZEROCLIP_CACHE, so files never share a cache, and with
// ZEROCLIP_ORT_SPIN=0 (onnxruntime's idle threads do not spin; see src/model/ort.ts) and
// ZEROCLIP_THREADS=1 (one intra-op thread per session unless a test asks for more: the files
// already fill the cores, src/model/session.ts), with scripts/v8-tiering.cjs preloaded through
// NODE_OPTIONS (V8 optimizes later) and without NODE_EXTRA_CA_CERTS (no test uses TLS). Two tiers
// share one pool of `--jobs` slots: end-to-end files (those that spawn the CLI, servers, Redis
// or a browser; see `isEndToEnd`) take at most `--e2e-jobs` of them, unit files the rest. Files
// start longest first, by the durations in scripts/test-times.json (unknown files count as
// long), so the run ends when the longest file does. A file's output is printed whole when it
// ends; the run ends with node's summary lines (`# tests`, `# pass`, `# fail`, ... as the tap
// reporter prints them; `ℹ tests` ... with the spec reporter on a terminal) added up over all
// files, and exits 1 when any file failed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    jobs: { type: "string" },
    "e2e-jobs": { type: "string" },
    tier: { type: "string" },
    times: { type: "boolean", default: false },
    "times-file": { type: "string" },
    "save-times": { type: "boolean", default: false },
    "count-asserts": { type: "boolean", default: false },
  },
});
const cpus = availableParallelism();
const jobs = Number(values.jobs ?? process.env.ZEROCLIP_TEST_JOBS ?? Math.max(2, cpus + 1));
const e2eJobs = Number(
  values["e2e-jobs"] ?? process.env.ZEROCLIP_TEST_E2E_JOBS ?? Math.max(1, cpus),
);
/** A file still running after this long is killed and counted as failed. */
const FILE_TIMEOUT_MS = 15 * 60_000;
const TIMES_FILE = join("scripts", "test-times.json");
/** The NODE_OPTIONS part that preloads scripts/v8-tiering.cjs into every process of a file. */
const TIERING = `--require ${JSON.stringify(fileURLToPath(new URL("./v8-tiering.cjs", import.meta.url)))}`;

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith(".test.js") ? [p] : [];
  });
}

/** A file is end-to-end when it starts processes or servers (the CLI, Redis, PostgreSQL, chromium). */
function isEndToEnd(file) {
  const js = readFileSync(file, "utf8");
  return /node:child_process|support\/(cli|cli-process|browser|redis-server|pg-server|hub-server)\.js/.test(
    js,
  );
}

const files = find(join("dist", "test"))
  .filter((f) => positionals.length === 0 || positionals.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error("no test files found under dist/test (run `npm run build` first)");
  process.exit(1);
}

let knownTimes = {};
try {
  knownTimes = JSON.parse(readFileSync(TIMES_FILE, "utf8"));
} catch {}
const key = (f) => f.replace(/^dist[\\/]/, "").replaceAll("\\", "/");
if (values.tier !== undefined && values.tier !== "unit" && values.tier !== "e2e") {
  console.error(`--tier is unit or e2e, not ${values.tier}`);
  process.exit(2);
}
const queue = files
  .map((file) => ({ file, e2e: isEndToEnd(file), expected: knownTimes[key(file)] ?? 60_000 }))
  .filter((q) => values.tier === undefined || q.e2e === (values.tier === "e2e"))
  .sort((a, b) => b.expected - a.expected);

const reporter = process.stdout.isTTY ? "spec" : "tap";
const COUNTS = ["tests", "suites", "pass", "fail", "cancelled", "skipped", "todo"];
const SUMMARY =
  /^(?:# |ℹ )(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)\s*$/;
const totals = Object.fromEntries(COUNTS.map((c) => [c, 0]));
const failedFiles = [];
const times = {};
let asserts = 0;
/** Assertions executed per file (with --count-asserts). */
const assertCounts = {};
const started = performance.now();

/**
 * CPU seconds (user + system) of this process's children that have ended and been waited for
 * (Linux: /proc/self/stat cutime + cstime, which include their own waited-for children), or
 * undefined elsewhere. Read when a file's process exits, the difference since the last read is
 * that file's CPU time (two files ending in the same instant would share one figure).
 */
function childrenCpu() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) / 100; // fields 16, 17; USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}
let lastCpu = childrenCpu();
const cpuTimes = {};

function runFile(item) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const cache = mkdtempSync(join(tmpdir(), "zeroclip-test-cache-"));
    // Files share the cores: onnxruntime's idle threads block instead of spinning (about a
    // third less CPU in the model-heavy files), unless the caller chose otherwise.
    const env = {
      ZEROCLIP_ORT_SPIN: "0",
      ZEROCLIP_THREADS: "1",
      ...process.env,
      ZEROCLIP_CACHE: cache,
    };
    // No test makes a TLS connection (every server is a loopback HTTP one), while Node parses
    // NODE_EXTRA_CA_CERTS's bundle when any process starts: about 60 ms CPU a process, and a
    // run starts about 250.
    delete env.NODE_EXTRA_CA_CERTS;
    // V8 optimizes later in every process of the file (see scripts/v8-tiering.cjs).
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} ${TIERING}`.trim();
    const countFile = join(cache, "..", `${cache.split(/[\\/]/).pop()}.asserts`);
    if (values["count-asserts"]) {
      const hook = new URL("./count-asserts.mjs", import.meta.url).href;
      env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --import ${hook}`.trim();
      env.ZEROCLIP_ASSERT_COUNT_FILE = countFile;
    }
    const child = spawn(process.execPath, [`--test-reporter=${reporter}`, item.file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    child.stdout.on("data", (d) => chunks.push(d));
    child.stderr.on("data", (d) => chunks.push(d));
    child.on("exit", () => {
      const now = childrenCpu();
      if (now !== undefined) cpuTimes[key(item.file)] = now - lastCpu;
      lastCpu = now;
    });
    const timer = setTimeout(() => {
      chunks.push(Buffer.from(`\n# ${item.file}: killed after ${FILE_TIMEOUT_MS / 1000} s\n`));
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      times[key(item.file)] = Math.round(ms);
      const counts = {};
      const kept = [];
      for (const line of Buffer.concat(chunks).toString("utf8").split("\n")) {
        const m = SUMMARY.exec(line);
        if (m) counts[m[1]] = Number(m[2]);
        else kept.push(line);
      }
      for (const c of COUNTS) totals[c] += counts[c] ?? 0;
      if (code !== 0 || (counts.fail ?? 0) > 0) {
        failedFiles.push(item.file);
        if (!counts.fail) totals.fail += 1; // a crash before or outside any test
      }
      let fileAsserts = 0;
      if (values["count-asserts"]) {
        try {
          for (const l of readFileSync(countFile, "utf8").trim().split("\n")) {
            fileAsserts += Number(l.split(" ")[1]);
          }
        } catch {}
        asserts += fileAsserts;
        assertCounts[key(item.file)] = fileAsserts;
        rmSync(countFile, { force: true });
      }
      rmSync(cache, { recursive: true, force: true });
      const status = code === 0 ? "ok" : `FAILED (exit ${code ?? signal})`;
      const counted = values["count-asserts"] ? `, ${fileAsserts} assertions` : "";
      process.stdout.write(
        `${kept.join("\n").trimEnd()}\n# file ${item.file}: ${status}, ${(ms / 1000).toFixed(1)} s${counted}\n`,
      );
      resolve();
    });
  });
}

// The generated fixtures many files need, made once before the files start (each file would
// otherwise make its own copy at the same time; the rename into place is atomic): the tiny and
// probe models, and PGlite's fresh cluster (initdb, for the PostgreSQL tests).
const modelGen = join("dist", "test", "support", "model-gen", "index.js");
const pgServer = join("dist", "test", "support", "pg-server.js");
if (existsSync(modelGen) && existsSync(pgServer)) {
  const url = (f) => JSON.stringify(pathToFileURL(f).href);
  const warm = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const m = await import(${url(modelGen)});\n` +
        `const pg = await import(${url(pgServer)});\n` +
        'await Promise.all([...["tiny", "probe"].map((n) => m.ensureFixtureModel(n)), pg.ensureFreshCluster()]);',
    ],
    { stdio: "inherit", timeout: 5 * 60_000 },
  );
  if (warm.status !== 0) console.log("# warning: the fixtures could not be made up front");
}
const warmCpu = lastCpu === undefined ? undefined : childrenCpu() - lastCpu;
lastCpu = childrenCpu();

let running = 0;
let runningE2e = 0;
await new Promise((done) => {
  const pump = () => {
    if (queue.length === 0 && running === 0) return done();
    while (running < jobs) {
      const i = queue.findIndex((q) => !q.e2e || runningE2e < e2eJobs);
      if (i < 0) break;
      const [item] = queue.splice(i, 1);
      running++;
      if (item.e2e) runningE2e++;
      runFile(item).then(() => {
        running--;
        if (item.e2e) runningE2e--;
        pump();
      });
    }
  };
  pump();
});

const wall = performance.now() - started;
if (values["save-times"]) {
  writeFileSync(TIMES_FILE, `${JSON.stringify({ ...knownTimes, ...times }, null, 2)}\n`);
}
if (values.times) {
  const cpu = (f) => cpuTimes[f] ?? 0;
  const s = (x) => (x === undefined ? "?" : x.toFixed(1)).padStart(6);
  console.log("# files by CPU time (s; wall, CPU = user + system of the file and its processes):");
  for (const f of Object.keys(times)
    .sort((a, b) => cpu(b) - cpu(a) || times[b] - times[a])
    .slice(0, 30)) {
    console.log(`#   ${s(times[f] / 1000)} ${s(cpuTimes[f])}  ${f}`);
  }
  const total = Object.values(cpuTimes).reduce((a, b) => a + b, 0);
  if (warmCpu !== undefined) {
    console.log(
      `# CPU: ${total.toFixed(1)} s in test files, ${warmCpu.toFixed(1)} s making fixtures`,
    );
  }
  if (values["times-file"]) {
    const all = Object.fromEntries(
      Object.keys(times)
        .sort()
        .map((f) => [
          f,
          {
            wall: times[f] / 1000,
            cpu: Math.round((cpuTimes[f] ?? 0) * 100) / 100,
            ...(f in assertCounts ? { asserts: assertCounts[f] } : {}),
          },
        ]),
    );
    writeFileSync(values["times-file"], `${JSON.stringify(all, null, 2)}\n`);
  }
}
if (failedFiles.length > 0)
  console.log(`# failed files:\n${failedFiles.map((f) => `#   ${f}`).join("\n")}`);
if (values["count-asserts"]) console.log(`# assertions executed: ${asserts}`);
const prefix = reporter === "tap" ? "# " : "ℹ ";
for (const c of COUNTS) console.log(`${prefix}${c} ${totals[c]}`);
console.log(`${prefix}duration_ms ${wall.toFixed(3)}`);
process.exit(failedFiles.length > 0 ? 1 : 0);
