import { ModelError, NetworkError, type ZeroclipError } from "../../util/errors.js";
import type { HubSettings } from "./settings.js";

/** What a HEAD on `/{repo}/resolve/{revision}/{path}` tells about one file. */
export interface FileMeta {
  /** Commit the revision resolved to (`X-Repo-Commit`). */
  commit: string;
  /** Blob name: sha256 for LFS files (`X-Linked-Etag`), the git blob sha1 otherwise (`ETag`). */
  etag: string;
  /** Bytes (`X-Linked-Size` for LFS files, else `Content-Length`). */
  size: number;
  /** Where the bytes are: the CDN `Location` of an LFS file, else the resolve URL. */
  url: string;
}

/** What `GET /api/models/{repo}/revision/{revision}` tells. */
export interface RevisionInfo {
  commit: string;
  /** Every file of the repo at that commit. */
  files: string[];
}

const COMMIT = /^[0-9a-f]{40}$/;
const SAFE_NAME = /^[\w.-]+$/;
const USER_AGENT = "zeroclip/0.1.0";
const STALE_CONNECTION = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"]);

/** Where a request went wrong, for one-line error messages. */
export interface ErrorContext {
  repo: string;
  revision: string;
  path?: string;
}

/** Hugging Face hub requests with huggingface_hub's semantics, mapped to zeroclip errors. */
export class HubClient {
  constructor(private readonly s: HubSettings) {}

  get endpoint(): string {
    return this.s.endpoint;
  }

  resolveUrl(repo: string, revision: string, path: string): string {
    const file = path.split("/").map(encodeURIComponent).join("/");
    return `${this.s.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  }

  /** Headers for a request; the token goes only to the hub's own origin, never to a CDN. */
  headers(url: string, extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = {
      "User-Agent": USER_AGENT,
      "Accept-Encoding": "identity",
      ...extra,
    };
    const token = this.s.token();
    if (token && new URL(url).origin === new URL(this.s.endpoint).origin) {
      h.Authorization = `Bearer ${token}`;
    }
    return h;
  }

  /** The commit a revision points to and the repo's file list, or undefined when the endpoint has no API. */
  async revisionInfo(ctx: ErrorContext): Promise<RevisionInfo | undefined> {
    const url = `${this.s.endpoint}/api/models/${ctx.repo}/revision/${encodeURIComponent(ctx.revision)}`;
    const res = await this.request(url, { method: "GET" }, this.s.metadataTimeoutMs);
    if (!res.ok) {
      // A mirror without the API answers 404 without an error code: fall back to HEAD requests.
      if (res.status === 404 && !res.headers.get("x-error-code")) {
        await res.body?.cancel();
        return undefined;
      }
      throw await this.error(res, ctx);
    }
    let json: { sha?: unknown; siblings?: unknown };
    try {
      json = (await res.json()) as typeof json;
    } catch {
      return undefined;
    }
    if (
      !json ||
      typeof json !== "object" ||
      typeof json.sha !== "string" ||
      !COMMIT.test(json.sha) ||
      !Array.isArray(json.siblings)
    )
      return undefined;
    const files = json.siblings
      .map((s) => (s as { rfilename?: unknown })?.rfilename)
      .filter((f): f is string => typeof f === "string");
    return { commit: json.sha, files };
  }

  /**
   * HEAD a file without following the CDN redirect (its X-Linked-* headers are on the first
   * answer); a relative redirect (a renamed repo) is followed, as huggingface_hub does.
   * Undefined when the file does not exist.
   */
  async fileMeta(
    ctx: ErrorContext & { path: string },
    /** The revision in the URL (a commit, once known), if not ctx.revision. */
    at: string = ctx.revision,
  ): Promise<FileMeta | undefined> {
    let url = this.resolveUrl(ctx.repo, at, ctx.path);
    for (let hop = 0; hop < 5; hop++) {
      const res = await this.request(
        url,
        { method: "HEAD", redirect: "manual" },
        this.s.metadataTimeoutMs,
      );
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location?.startsWith("/")) {
        url = new URL(location, url).toString();
        continue;
      }
      if (res.status === 404 && res.headers.get("x-error-code") === "EntryNotFound")
        return undefined;
      if (res.status >= 400) throw await this.error(res, ctx);
      const commit = res.headers.get("x-repo-commit") ?? "";
      const etag = normalizeEtag(res.headers.get("x-linked-etag") ?? res.headers.get("etag"));
      const size = Number(res.headers.get("x-linked-size") ?? res.headers.get("content-length"));
      if (!COMMIT.test(commit) || !etag || !SAFE_NAME.test(etag) || !Number.isSafeInteger(size))
        throw new NetworkError(
          `${this.s.endpoint} gave no usable X-Repo-Commit/ETag/size for ${ctx.repo}/${ctx.path}; is HF_ENDPOINT a Hugging Face hub?`,
        );
      const target = location ? new URL(location, url).toString() : url;
      return { commit, etag, size, url: target };
    }
    throw new NetworkError(`too many redirects for ${ctx.repo}/${ctx.path}`);
  }

  /** GET bytes from `start` on, following redirects by hand so the token stays on the hub. */
  download(url: string, start: number, signal: AbortSignal): Promise<Response> {
    return this.get(url, start > 0 ? { Range: `bytes=${start}-` } : {}, signal);
  }

  /**
   * GET bytes `start`..`end` (inclusive) with a Range request; the caller checks that the
   * answer is a 206 for that range. Time-limited like a metadata request.
   */
  range(url: string, start: number, end: number): Promise<Response> {
    return this.get(url, { Range: `bytes=${start}-${end}` }, undefined, this.s.metadataTimeoutMs);
  }

  private async get(
    url: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<Response> {
    let current = url;
    for (let hop = 0; hop < 5; hop++) {
      const res = await this.request(
        current,
        { method: "GET", redirect: "manual", signal, headers },
        timeoutMs,
      );
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        current = new URL(location, current).toString();
        continue;
      }
      return res;
    }
    throw new NetworkError(`too many redirects for ${url}`);
  }

  /** fetch with the hub headers, a time limit, and transport failures as NetworkError. */
  async request(
    url: string,
    init: RequestInit & { headers?: Record<string, string> },
    timeoutMs?: number,
  ): Promise<Response> {
    const signals = [init.signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s != null,
    );
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.s.fetch(url, {
          ...init,
          headers: this.headers(url, init.headers),
          signal,
        });
      } catch (err) {
        // A kept-alive connection the server closed meanwhile: the request never got an
        // answer, so sending it once more is safe (all our requests are idempotent).
        const reason = transportReason(err);
        if (attempt === 0 && !signal?.aborted && STALE_CONNECTION.has(reason)) continue;
        throw new NetworkError(
          `cannot reach ${new URL(url).origin} (${reason})`,
          "network_unreachable",
        );
      }
    }
  }

  /** A one-line error for a failed hub answer, the way huggingface_hub classifies them. */
  async error(res: Response, ctx: ErrorContext): Promise<ZeroclipError> {
    await res.body?.cancel().catch(() => {});
    const code = res.headers.get("x-error-code") ?? "";
    const where = `${ctx.repo}${ctx.revision === "main" ? "" : `@${ctx.revision}`}`;
    const hasToken = this.s.token() !== undefined;
    if (code === "GatedRepo")
      return new ModelError(
        hasToken
          ? `${where} is gated and HF_TOKEN has no access to it: request access on ${this.s.endpoint}/${ctx.repo}`
          : `${where} is gated: accept its terms on ${this.s.endpoint}/${ctx.repo} and set HF_TOKEN to an access token`,
        "model_access_denied",
      );
    if (code === "RevisionNotFound")
      return new ModelError(
        `revision ${ctx.revision} not found in ${ctx.repo}`,
        "revision_not_found",
      );
    if (code === "EntryNotFound")
      return new ModelError(`${where} has no file ${ctx.path ?? ""}`.trim(), "model_file_missing");
    if (code === "RepoNotFound" || res.status === 401 || res.status === 404)
      return new ModelError(
        hasToken
          ? `repository ${ctx.repo} not found on ${this.s.endpoint}, or HF_TOKEN has no access to it`
          : `repository ${ctx.repo} not found on ${this.s.endpoint} (if it is private or gated, set HF_TOKEN)`,
        "model_not_found",
      );
    if (res.status === 403)
      return new ModelError(
        `access to ${ctx.repo} denied (403)${hasToken ? "" : ": set HF_TOKEN to an access token"}`,
        "model_access_denied",
      );
    if (res.status === 429)
      return new NetworkError(
        `${this.s.endpoint} is rate-limiting requests (429); try again later`,
        "rate_limited",
      );
    return new NetworkError(
      `${this.s.endpoint} answered ${res.status} ${res.statusText} for ${where}${ctx.path ? `/${ctx.path}` : ""}`,
    );
  }
}

/** ETag without quotes or the weak prefix: the blob name. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, "").replace(/"/g, "").trim() || undefined;
}

/** A short reason for a transport failure: an errno code, a timeout, or the message. */
export function transportReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return "timed out";
  if (e?.name === "AbortError") return "aborted";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
