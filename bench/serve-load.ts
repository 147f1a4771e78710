/**
 * The server under concurrency: `zeroclip serve` in its own process (as users run it), and
 * `concurrency` clients each sending one image per request (`POST /v1/embeddings` with
 * `"modality": "image"`) as fast as answers come back, cycling over the images. images/s is
 * comparable with the in-process `embedImages` figure: same model, images, batch size and
 * threads.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { processCpuSeconds } from "./proc-cpu.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, "..", "..", "bin", "zeroclip.js");

export interface ServeLoadTask {
  model: string;
  dtype: string;
  images: string;
  batchSize: number;
  threads: number;
  passes: number;
  concurrency: number;
}

async function startServe(t: ServeLoadTask): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [cli, "serve", "--model", t.model, "--dtype", t.dtype, "--threads", String(t.threads)]
      .concat(["--batch-size", String(t.batchSize), "--port", "0", "--max-queue", "1024"])
      .concat(["--max-images", "1"]),
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = await new Promise<string>((ok, fail) => {
    let log = "";
    const onData = (d: string) => {
      log += d;
      const m = /"url":"([^"]+)","msg":"ready/.exec(log);
      if (m) {
        child.stderr!.off("data", onData);
        child.stderr!.resume();
        ok(m[1]);
      }
    };
    child.stderr!.setEncoding("utf8").on("data", onData);
    child.on("exit", (code) => fail(new Error(`zeroclip serve exited (${code}): ${log}`)));
  });
  return { child, url };
}

/** Peak resident memory of a process, from /proc (Linux), in MiB. */
function peakRssMiB(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export async function serveImages(t: ServeLoadTask) {
  const names = (await readdir(t.images)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();
  const bodies = await Promise.all(
    names.map(async (n) =>
      JSON.stringify({
        input: (await readFile(join(t.images, n))).toString("base64"),
        modality: "image",
        encoding_format: "float",
      }),
    ),
  );
  const { child, url } = await startServe(t);
  try {
    const send = async (i: number): Promise<number[]> => {
      const res = await fetch(`${url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bodies[i % bodies.length],
      });
      const json = (await res.json()) as { data?: { embedding: number[] }[] };
      if (res.status !== 200 || !json.data)
        throw new Error(`${names[i % names.length]}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json.data[0].embedding;
    };
    /** `total` requests from `concurrency` clients; the first few embeddings are kept. */
    const round = async (total: number) => {
      let next = 0;
      const sample: number[][] = [];
      const client = async () => {
        for (let i = next++; i < total; i = next++) {
          const e = await send(i);
          if (i < 4) sample[i] = e;
        }
      };
      await Promise.all(Array.from({ length: t.concurrency }, client));
      return sample;
    };
    await round(Math.min(bodies.length, t.concurrency)); // warm-up
    // At least 8 requests per client, so the ramp-up and the drain (the last requests, when
    // fewer than `concurrency` remain, answered in smaller batches) weigh little.
    const total = Math.max(bodies.length * t.passes, 8 * t.concurrency);
    const cpu0 = processCpuSeconds(child.pid!);
    const start = process.hrtime.bigint();
    const sample = await round(total);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // The server's CPU (this process only sends requests).
    const cpuSeconds = processCpuSeconds(child.pid!) - cpu0;
    return { items: total, seconds, cpuSeconds, sample, peakRssMiB: peakRssMiB(child.pid!) };
  } finally {
    child.kill("SIGTERM");
  }
}
