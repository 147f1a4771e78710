/**
 * `zeroclip serve` as a user runs it (a child process): JSON logs on stderr, nothing on stdout;
 * SIGTERM with a slow request in flight stops new connections, finishes that request (200)
 * and exits 0; SIGINT does the same when idle.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { cliPath } from "../support/paths.js";
import { post, startCli, startFileServer, writeImages } from "./helpers.js";

describe("zeroclip serve: lifecycle", () => {
  let dir: string;
  let model: string;
  let image: Buffer;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-life-");
    model = await ensureFixtureModel("tiny");
    image = await readFile((await writeImages(dir, 1))[0]);
  });
  after(() => removeDir(dir));

  it("SIGTERM: stops accepting, finishes the request in flight, exits 0", async () => {
    let fetched!: () => void;
    const started = new Promise<void>((r) => {
      fetched = r;
    });
    const slow = await startFileServer({ "/slow.png": image }, () => {
      fetched();
      return 1500;
    });
    const child = await startCli(["--model", model, "--allow-private-urls"]);
    try {
      const inFlight = post(`${child.url}/v1/classify`, {
        images: [`${slow.url}/slow.png`],
        labels: ["a", "b"],
      });
      await started; // the server is downloading the image: the request is in flight
      child.proc.kill("SIGTERM");
      await waitFor(() => child.stderr().includes("stopping"));
      await assert.rejects(fetch(`${child.url}/health`), "new connections are refused");
      const res = await inFlight;
      assert.equal(res.status, 200, res.text);
      const [r] = (res.body as { results: { predictions?: unknown[] }[] }).results;
      assert.equal(r.predictions?.length, 2);
      assert.equal(await child.exit, 0, child.stderr());
      assert.equal(child.stdout(), "", "results only on stdout, and serve has none");
      const lines = child.stderr().trim().split("\n");
      for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `a JSON log line: ${l}`);
      assert.ok(lines.some((l) => JSON.parse(l).msg === "stopped"));
    } finally {
      child.proc.kill("SIGKILL");
      await slow.close();
    }
  });

  it("SIGINT when idle exits 0; a second server on a used port is a one-line usage error", async () => {
    const child = await startCli(["--model", model]);
    const port = new URL(child.url).port;
    const clash = spawn(process.execPath, [cliPath, "serve", "--model", model, "--port", port], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let clashErr = "";
    clash.stderr!.setEncoding("utf8").on("data", (d) => (clashErr += d));
    const [clashCode] = await once(clash, "exit");
    assert.equal(clashCode, 2, clashErr);
    assert.match(clashErr, new RegExp(`cannot listen on 127.0.0.1:${port}: the address is in use`));
    assert.doesNotMatch(clashErr, /\n\s+at /);
    assert.equal((await fetch(`${child.url}/health`)).status, 200);
    child.proc.kill("SIGINT");
    assert.equal(await child.exit, 0, child.stderr());
  });

  it("--api-key-env naming an unset variable is a usage error, before loading anything", async () => {
    const p = spawn(
      process.execPath,
      [cliPath, "serve", "--model", model, "--api-key-env", "ZEROCLIP_NO_SUCH_VAR"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ZEROCLIP_NO_SUCH_VAR: "" },
      },
    );
    let err = "";
    p.stderr!.setEncoding("utf8").on("data", (d) => (err += d));
    const [code] = await once(p, "exit");
    assert.equal(code, 2);
    assert.match(err, /ZEROCLIP_NO_SUCH_VAR is not set/);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
