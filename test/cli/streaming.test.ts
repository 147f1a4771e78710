/**
 * jsonl results are written as each batch finishes: a long run's output survives an
 * interruption. Proven without timing: the last input is a URL whose server answers only after
 * the test has read the earlier inputs' lines on stdout.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeWithSharp, makeTempDir, noisePixels, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { cliPath } from "../support/paths.js";

describe("classify / embed --format jsonl stream", () => {
  let model: string;
  let dir: string;
  const files: string[] = [];
  before(async () => {
    model = await ensureFixtureModel("tiny");
    dir = await makeTempDir("zeroclip-stream-");
    for (let i = 0; i < 3; i++) {
      const f = join(dir, `img${i}.png`);
      await writeFile(f, await encodeWithSharp(noisePixels(24, 24, 3, i + 1), "png"));
      files.push(f);
    }
  });
  after(() => removeDir(dir));

  for (const [command, args] of [
    ["classify", (inputs: string[]) => [...inputs, "-l", "a,b"]],
    ["embed", (inputs: string[]) => inputs.flatMap((i) => ["--image", i])],
  ] as const) {
    it(`${command} prints finished batches before the run ends`, async () => {
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      const server = createServer(async (_req, res) => {
        await held;
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/late.jpg`;
      try {
        const child = spawn(
          process.execPath,
          [
            cliPath,
            command,
            ...args([...files, url]),
            "--model",
            model,
            "--batch-size",
            "1",
            "--format",
            "jsonl",
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        let out = "";
        const early = await new Promise<string[]>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no early output; got ${JSON.stringify(out)}`)),
            60_000,
          );
          child.stdout.setEncoding("utf8").on("data", (d) => {
            out += d;
            const lines = out.split("\n").filter(Boolean);
            if (lines.length >= 3) {
              clearTimeout(timer);
              resolve(lines);
            }
          });
        });
        assert.equal(child.exitCode, null, "the run is still going (waiting on the URL)");
        assert.deepEqual(
          early.map((l) => JSON.parse(l).input),
          files,
        );
        release();
        const code = await new Promise<number | null>((r) => child.on("close", r));
        assert.equal(code, 1);
        const last = JSON.parse(out.trim().split("\n").at(-1)!);
        assert.equal(last.input, url);
        assert.match(last.error, /404/);
      } finally {
        release();
        server.close();
      }
    });
  }
});
