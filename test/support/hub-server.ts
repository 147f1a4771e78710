/**
 * A loopback stand-in for the Hugging Face Hub: serves model directories as repos the way
 * huggingface.co does, for download tests without the network.
 *
 * - `GET /api/models/{repo}/revision/{rev}` → `{ id, sha, siblings: [{ rfilename }] }`
 * - `HEAD|GET /{repo}/resolve/{rev}/{path}`: small files answer directly (`ETag` = git blob
 *   sha1); LFS-like files (*.onnx, or larger than `lfsMinBytes`) answer 302 to an absolute URL
 *   on a second port (the "CDN", another origin) with `X-Linked-Etag` (sha256) and
 *   `X-Linked-Size`. Every answer has `X-Repo-Commit`.
 * - `GET|HEAD {cdn}/cdn/{sha256}`: the bytes, with `ETag`, `Accept-Ranges` and Range (206, 416);
 *   `ranges: false` makes it a server that ignores Range (always 200 with the whole file).
 * - errors as the hub gives them: 404 + `X-Error-Code: RepoNotFound | RevisionNotFound |
 *   EntryNotFound`, 401 + `GatedRepo` for a gated repo without the right token.
 *
 * Test hooks: a request log, `cut` (end a transfer after N bytes), `corrupt` (flip a byte),
 * `stall` (stop sending), `close` (closes every connection).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface RepoSpec {
  /** Path in the repo ("onnx/text_model.onnx") → bytes. */
  files: Map<string, Uint8Array>;
  /** Commit hash of "main" (default: derived from the files). */
  commit?: string;
  /** Other revisions (branch or tag → commit); the commit itself always resolves. */
  revisions?: Record<string, string>;
  /** When set, the repo is gated: resolve and API answer 401 without `Bearer <token>`. */
  token?: string;
}

export interface HubServerOptions {
  repos: Record<string, RepoSpec>;
  /** Serve the API route (default true); false acts as a mirror without it (plain 404). */
  api?: boolean;
  /** Files this big or bigger are LFS-like (redirected) even when not *.onnx (default 10 MB). */
  lfsMinBytes?: number;
  /** Bytes per write of a body (default 64 KiB), with `chunkDelayMs` between writes. */
  chunkBytes?: number;
  chunkDelayMs?: number;
  /** Honour Range headers (default true); false answers every GET with the whole file (200). */
  ranges?: boolean;
}

export interface LoggedRequest {
  method: string;
  url: string;
  repo?: string;
  /** The repo path the request was for (also for CDN requests). */
  file?: string;
  cdn: boolean;
  range?: string;
  authorization?: string;
  status: number;
}

export interface HubServer {
  /** http://127.0.0.1:PORT — use as HF_ENDPOINT. */
  endpoint: string;
  requests: LoggedRequest[];
  /** Requests that fetched bytes of `file` (GET with a body). */
  downloadsOf(file: string): LoggedRequest[];
  /** End the next `times` transfers of `file` after `afterBytes` bytes of their body. */
  cut(file: string, afterBytes: number, times?: number): void;
  /** Flip one byte of the next `times` transfers of `file`. */
  corrupt(file: string, times?: number): void;
  /** Stop sending `file` after `afterBytes` bytes (keep the connection open) for `times` transfers. */
  stall(file: string, afterBytes: number, times?: number): void;
  /** Clear cut/corrupt/stall hooks. */
  reset(): void;
  commitOf(repo: string): string;
  close(): Promise<void>;
}

/** A repo made of a model directory's files (recursively; `skip` names are left out). */
export async function repoFromDir(
  dir: string,
  opts: { skip?: string[]; extra?: Record<string, Uint8Array> } = {},
): Promise<RepoSpec> {
  const skip = new Set(opts.skip ?? ["reference-images", "reference.json", "fixture.json"]);
  const files = new Map<string, Uint8Array>();
  const walk = async (sub: string, depth: number): Promise<void> => {
    if (depth > 4) return;
    for (const e of await readdir(join(dir, sub), { withFileTypes: true })) {
      if (skip.has(e.name)) continue;
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(rel, depth + 1);
      else if (e.isFile()) files.set(rel, await readFile(join(dir, rel)));
    }
  };
  await walk("", 0);
  for (const [k, v] of Object.entries(opts.extra ?? {})) files.set(k, v);
  return { files };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** git's blob id: sha1("blob <size>\0" + bytes), the hub's ETag of a small file. */
export function gitBlobSha1(data: Uint8Array): string {
  return createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
}

interface Served {
  repo: string;
  path: string;
  data: Uint8Array;
  lfs: boolean;
  etag: string;
}

interface Hook {
  file: string;
  kind: "cut" | "corrupt" | "stall";
  bytes: number;
  times: number;
}

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const lfsMin = opts.lfsMinBytes ?? 10_000_000;
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  const requests: LoggedRequest[] = [];
  let hooks: Hook[] = [];
  const repos = new Map<string, { spec: RepoSpec; commit: string; files: Map<string, Served> }>();
  const cdn = new Map<string, Served>();
  for (const [name, spec] of Object.entries(opts.repos)) {
    const files = new Map<string, Served>();
    const listing = createHash("sha1").update(name);
    for (const [path, data] of [...spec.files].sort(([a], [b]) => a.localeCompare(b))) {
      const lfs = path.endsWith(".onnx") || data.length >= lfsMin;
      const served = {
        repo: name,
        path,
        data,
        lfs,
        etag: lfs ? sha256Hex(data) : gitBlobSha1(data),
      };
      files.set(path, served);
      if (lfs) cdn.set(served.etag, served);
      listing.update(`${path}\0${served.etag}\0`);
    }
    repos.set(name, { spec, commit: spec.commit ?? listing.digest("hex"), files });
  }

  const takeHook = (file: string): Hook | undefined => {
    const h = hooks.find((x) => x.file === file && x.times > 0);
    if (h) h.times--;
    return h;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://x");
    const log: LoggedRequest = {
      method: req.method ?? "",
      url: url.pathname,
      cdn: false,
      range: req.headers.range,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(log);
    const send = (status: number, headers: Record<string, string>, body?: string) => {
      log.status = status;
      res.writeHead(status, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const hubError = (status: number, code: string, message: string) =>
      send(
        status,
        { "Content-Type": "application/json", "X-Error-Code": code },
        JSON.stringify({ error: message }),
      );
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);

    // CDN
    if (parts[0] === "cdn") {
      const served = cdn.get(parts[1] ?? "");
      log.cdn = true;
      log.file = served?.path;
      log.repo = served?.repo;
      if (!served) return send(404, {}, "no such object");
      return sendBytes(req, res, log, served, {});
    }

    const api = parts[0] === "api" && parts[1] === "models";
    const [org, name, kind, rev, ...rest] = api ? parts.slice(2) : parts;
    const repoName = `${org}/${name}`;
    log.repo = repoName;
    if (api && (opts.api === false || kind !== "revision")) return send(404, {}, "Not Found");
    if (!api && kind !== "resolve") return send(404, {}, "Not Found");
    const repo = repos.get(repoName);
    if (!repo) return hubError(404, "RepoNotFound", "Repository not found");
    if (repo.spec.token !== undefined && req.headers.authorization !== `Bearer ${repo.spec.token}`)
      return hubError(
        401,
        "GatedRepo",
        `Access to model ${repoName} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
    const tags = repo.spec.revisions ?? {};
    const commit =
      rev === "main" || rev === repo.commit
        ? repo.commit
        : (tags[rev ?? ""] ?? Object.values(tags).find((c) => c === rev));
    if (!commit) return hubError(404, "RevisionNotFound", `Invalid rev id: ${rev}`);

    if (api) {
      return send(
        200,
        { "Content-Type": "application/json" },
        JSON.stringify({
          id: repoName,
          sha: commit,
          private: false,
          gated: repo.spec.token !== undefined ? "manual" : false,
          siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
        }),
      );
    }
    const path = rest.join("/");
    log.file = path;
    const served = repo.files.get(path);
    if (!served) return hubError(404, "EntryNotFound", `${path} does not exist on "${rev}"`);
    const common = { "X-Repo-Commit": commit };
    if (served.lfs) {
      return send(302, {
        ...common,
        Location: `${cdnOrigin}/cdn/${served.etag}?name=${encodeURIComponent(path)}`,
        ETag: `"${served.etag}"`,
        "X-Linked-Etag": `"${served.etag}"`,
        "X-Linked-Size": String(served.data.length),
        "Content-Length": "0",
      });
    }
    return sendBytes(req, res, log, served, common);
  };

  const sendBytes = async (
    req: IncomingMessage,
    res: ServerResponse,
    log: LoggedRequest,
    served: Served,
    headers: Record<string, string>,
  ): Promise<void> => {
    const size = served.data.length;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const m = opts.ranges === false ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        log.status = 416;
        res.writeHead(416, { "Content-Range": `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
    }
    log.status = status;
    res.writeHead(status, {
      ...headers,
      ETag: `"${served.etag}"`,
      "Accept-Ranges": "bytes",
      "Content-Type": "application/octet-stream",
      "Content-Length": String(end - start + 1),
      ...(status === 206 ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    let body = served.data.subarray(start, end + 1);
    const hook = takeHook(served.path);
    if (hook?.kind === "corrupt") {
      body = Uint8Array.from(body);
      body[Math.floor(body.length / 2)] ^= 0xff;
    }
    const limit = hook?.kind === "cut" || hook?.kind === "stall" ? hook.bytes : body.length;
    for (let off = 0; off < Math.min(limit, body.length); off += chunkBytes) {
      if (res.destroyed) return;
      const chunk = body.subarray(off, Math.min(off + chunkBytes, limit, body.length));
      if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
      if (opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
    }
    if (hook?.kind === "cut" && limit < body.length) {
      // Let the written bytes leave, then drop the connection mid-body.
      await new Promise((r) => setTimeout(r, 20));
      res.socket?.destroy();
      return;
    }
    if (hook?.kind === "stall" && limit < body.length) return; // the client's stall timeout must fire
    res.end();
  };

  const listen = async (): Promise<{ server: Server; origin: string }> => {
    const server = createServer((req, res) => {
      handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  // The CDN is another origin (another port), as on the hub: the token must not go there.
  const hub = await listen();
  const cdnServer = await listen();
  const cdnOrigin = cdnServer.origin;
  const closeServer = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    endpoint: hub.origin,
    requests,
    downloadsOf: (file) =>
      requests.filter(
        (r) => r.file === file && r.method === "GET" && r.status >= 200 && r.status < 300,
      ),
    cut: (file, bytes, times = 1) => hooks.push({ file, kind: "cut", bytes, times }),
    corrupt: (file, times = 1) => hooks.push({ file, kind: "corrupt", bytes: 0, times }),
    stall: (file, bytes, times = 1) => hooks.push({ file, kind: "stall", bytes, times }),
    reset: () => {
      hooks = [];
    },
    commitOf: (repo) => {
      const r = repos.get(repo);
      if (!r) throw new Error(`no repo ${repo}`);
      return r.commit;
    },
    close: async () => {
      await Promise.all([closeServer(hub.server), closeServer(cdnServer.server)]);
    },
  };
}
