/**
 * A loopback zeroclip server per test (127.0.0.1, a free port), its JSON log lines captured,
 * plus small HTTP helpers and the test images the serve tests share.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { ClipModel } from "../../src/model/clip-model.js";
import { buildServer, type ServeOptions } from "../../src/serve/index.js";
import { encodeWithSharp, noisePixels } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { cliPath } from "../support/paths.js";

export interface TestServer {
  app: FastifyInstance;
  url: string;
  /** Every JSON log line so far. */
  logs: string[];
  close(): Promise<void>;
}

let shared: Promise<ClipModel> | undefined;

/** One tiny model per test file (its worker pool is freed when the process exits). */
export function tinyModel(): Promise<ClipModel> {
  shared ??= ensureFixtureModel("tiny").then((dir) =>
    ClipModel.load(dir, { preprocessWorkers: 2 }),
  );
  return shared;
}

export async function startServer(opts: Partial<ServeOptions> = {}): Promise<TestServer> {
  const model = opts.model ?? (await tinyModel());
  const logs: string[] = [];
  const app = await buildServer({
    diskCache: false,
    logger: { level: "debug", destination: { write: (l: string) => logs.push(l) } },
    ...opts,
    model,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  await app.warmUp();
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** POST JSON (or send `raw` as is) and parse the answer. */
export async function post(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; raw?: string | Uint8Array; signal?: AbortSignal } = {},
): Promise<JsonResponse> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: init.raw ?? JSON.stringify(body),
    signal: init.signal,
  });
  return parse(res);
}

export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return parse(await fetch(url, { headers }));
}

export async function parse(res: Response): Promise<JsonResponse> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** An error body's type, code and message (asserting the shape). */
export function errorOf(r: JsonResponse): { message: string; type: string; code: string } {
  const e = (r.body as { error?: { message?: unknown; type?: unknown; code?: unknown } }).error;
  if (
    !e ||
    typeof e.message !== "string" ||
    typeof e.type !== "string" ||
    typeof e.code !== "string"
  ) {
    throw new Error(`not an error body (${r.status}): ${r.text.slice(0, 300)}`);
  }
  return { message: e.message, type: e.type, code: e.code };
}

/** Write `n` distinct small images (PNG, JPEG, WebP in turn) into `dir`. */
export async function writeImages(dir: string, n: number, prefix = "img"): Promise<string[]> {
  const formats = ["png", "jpeg", "webp"] as const;
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const fmt = formats[i % 3];
    const file = join(dir, `${prefix}${i}.${fmt === "jpeg" ? "jpg" : fmt}`);
    await writeFile(
      file,
      await encodeWithSharp(noisePixels(24 + 5 * i, 40 - (i % 9), 3, 100 + i), fmt),
    );
    files.push(file);
  }
  return files;
}

/** A loopback HTTP server serving given bytes at given paths, optionally slowly. */
export async function startFileServer(
  files: Record<string, Uint8Array>,
  delayMs: (path: string) => number = () => 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const body = files[path];
    const timer = setTimeout(() => {
      if (!body) res.writeHead(404).end("not found");
      else res.writeHead(200, { "content-type": "image/png" }).end(body);
    }, delayMs(path));
    res.on("close", () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Child {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** Start `zeroclip serve --port 0` and wait for its "ready" log line. */
export async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const proc = spawn(process.execPath, [cliPath, "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ZEROCLIP_CACHE: "/nonexistent-zeroclip-cache", ...env },
  });
  // A safety net, not a time limit: a file's tests can take minutes on a loaded machine, and a
  // server killed under them fails the tests that come after (ERR_CONNECTION_REFUSED).
  const kill = setTimeout(() => proc.kill("SIGKILL"), 600_000);
  kill.unref();
  let err = "";
  let out = "";
  proc.stdout!.setEncoding("utf8").on("data", (d) => (out += d));
  const exit = new Promise<number | null>((resolve) =>
    proc.on("exit", (code) => {
      clearTimeout(kill);
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      for (const line of err.split("\n")) {
        if (!line.startsWith("{")) continue;
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg?.startsWith("ready") && rec.url) resolve(rec.url);
      }
    });
    exit.then((code) => reject(new Error(`serve exited (${code}) before ready: ${err}`)));
  });
  return { proc, url, stderr: () => err, stdout: () => out, exit };
}
