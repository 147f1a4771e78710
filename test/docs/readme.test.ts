/**
 * The README's runnable parts work as written: the offline classify example and the library
 * example (with the hub model swapped for a generated one, the only change).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseJsonl, runCli } from "../support/cli.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { cliPath, repoRoot } from "../support/paths.js";

const readme = () => readFile(join(repoRoot, "README.md"), "utf8");

describe("README", () => {
  it("the offline classify example runs on the example images", async () => {
    const text = await readme();
    const cmd = text.match(/npx zeroclip classify (examples\/images .*)/);
    assert.ok(cmd, "README has the offline example");
    const model = await ensureFixtureModel("tiny");
    const args = cmd[1]
      .replace("/tmp/tiny-clip", model)
      .match(/"[^"]*"|\S+/g)!
      .map((a) => a.replace(/^"|"$/g, ""));
    const run = await runCli(["classify", ...args, "--format", "jsonl"], {}, 60_000);
    assert.equal(run.code, 0, run.stderr);
    const records = parseJsonl(run.stdout);
    assert.equal(records.length, 2);
    for (const r of records) assert.equal((r.predictions as unknown[]).length, 2);
  });

  it("the library example runs as written", async () => {
    const text = await readme();
    const code = text.match(/```ts\n([\s\S]*?)```/)?.[1];
    assert.ok(code, "README has a TypeScript example");
    const model = await ensureFixtureModel("tiny");
    const script = code
      .replace('"Xenova/clip-vit-base-patch32"', JSON.stringify(model))
      .replace(
        '"frog.jpg"',
        JSON.stringify(join(repoRoot, "examples", "images", "green-frog.jpg")),
      );
    // Inside the package, `import … from "zeroclip"` resolves to the package itself.
    const dir = join(repoRoot, ".cache", "readme-test");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "example.mjs");
    await writeFile(file, script);
    try {
      const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /label: '(tree frog|tailed frog)', score: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the serve example answers with the JSON shown", async () => {
    const text = await readme();
    const serve = text.match(/npx zeroclip serve (.*?)\s+#/);
    const curl = text.match(/^(curl -s localhost:8080\/v1\/classify .*)$/m);
    const shown = text.match(/```sh\nnpx zeroclip serve[\s\S]*?```\n\n```json\n(.*)\n```/);
    assert.ok(
      serve && curl && shown,
      "README has the serve example, its curl command and its output",
    );
    const model = await ensureFixtureModel("tiny");
    const args = serve[1].replace("/tmp/tiny-clip", model).split(/\s+/);
    const child = spawn(process.execPath, [cliPath, "serve", ...args, "--port", "0"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let log = "";
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
          log += d;
          const m = /"url":"([^"]+)","msg":"ready/.exec(log);
          if (m) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`serve exited (${code}): ${log}`)));
      });
      const cmd = curl[1].replace("localhost:8080", url.replace(/^http:\/\//, ""));
      let out: string;
      if (spawnSync("curl", ["--version"]).status === 0) {
        const r = spawnSync("sh", ["-c", cmd], {
          cwd: repoRoot,
          encoding: "utf8",
          timeout: 30_000,
        });
        assert.equal(r.status, 0, r.stderr);
        out = r.stdout;
      } else {
        // No curl here: send the same -F fields with fetch.
        const form = new FormData();
        for (const [, name, value] of cmd.matchAll(/-F (\w+)=("[^"]*"|\S+)/g)) {
          const v = value.replace(/^"|"$/g, "");
          if (v.startsWith("@"))
            form.append(name, new Blob([await readFile(join(repoRoot, v.slice(1)))]), v.slice(1));
          else form.append(name, v);
        }
        out = await (await fetch(`${url}/v1/classify`, { method: "POST", body: form })).text();
      }
      assert.deepEqual(JSON.parse(out), JSON.parse(shown[1]));
    } finally {
      clearTimeout(kill);
      child.kill("SIGTERM");
    }
  });
});
