/**
 * A loopback OpenAI-compatible Chat Completions server for tests (127.0.0.1, random port).
 * Answers deterministically from the prompt and a per-prompt counter, honours `n` and `stop`
 * unless told not to, and can rate-limit, fail, stall or be slow on demand. Every request is
 * recorded with its body, headers and what was sent back.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  /** 0-based arrival order. */
  seq: number;
  /** ms since the server started. */
  at: number;
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: ChatBody;
  /** The user message. */
  prompt: string;
  /** Status sent, or undefined while pending / when the client went away. */
  status?: number;
  /** Answers sent (200 only). */
  answers?: string[];
}

export interface ChatBody {
  model?: string;
  messages?: { role: string; content: string }[];
  n?: number;
  temperature?: number;
  max_tokens?: number;
  stop?: string | string[];
}

/** What to do with one request; anything undefined falls back to the normal answer. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** Body for an error status (default an OpenAI-style error object). */
  error?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until the client goes away or the server closes). */
  stall?: boolean;
}

export interface LlmServerOptions {
  /** Return one choice whatever `n` asks (like servers that ignore n). */
  ignoreN?: boolean;
  /** Do not cut answers at the stop sequence. */
  ignoreStop?: boolean;
  /** The k-th (0-based, per prompt) answer to a prompt. Default: see `defaultAnswer`. */
  answer?: (prompt: string, k: number) => string;
  /** Per-request behaviour; `req.seq` counts all requests, `okSoFar` the answered ones. */
  plan?: (req: RecordedRequest, okSoFar: number) => Reply | undefined;
}

/** "  {prompt}\n  answer   number k. More text" — messy whitespace, a second sentence. */
export function defaultAnswer(prompt: string, k: number): string {
  return `  ${prompt.replace(/[?:]$/, "")}\n  answer   number ${k}. More text after the stop`;
}

export interface LlmServer {
  /** Base URL for the openai client, ending in /v1. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Requests that got a 200. */
  answered(): RecordedRequest[];
  /** Resolves once `k` requests have been answered with 200. */
  waitForAnswered(k: number): Promise<void>;
  /** Resolves once `k` requests are stalled (held without an answer). */
  waitForStalled(k: number): Promise<void>;
  /** Replace the plan (e.g. stop stalling). */
  setPlan(plan: LlmServerOptions["plan"]): void;
  close(): Promise<void>;
}

export async function startLlmServer(opts: LlmServerOptions = {}): Promise<LlmServer> {
  const start = Date.now();
  const requests: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  const answer = opts.answer ?? defaultAnswer;
  let plan = opts.plan;
  let ok = 0;
  let stalled = 0;
  const waiters: (() => void)[] = [];
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const waitFor = (cond: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (cond() ? resolve() : waiters.push(check));
      check();
    });

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: ChatBody = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      // recorded as empty
    }
    const prompt = body.messages?.find((m) => m.role === "user")?.content ?? "";
    const rec: RecordedRequest = {
      seq: requests.length,
      at: Date.now() - start,
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
      prompt,
    };
    requests.push(rec);
    notify();
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      rec.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
      notify();
    };
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      send(404, { error: { message: `no route ${req.method} ${req.url}`, type: "not_found" } });
      return;
    }
    const reply = plan?.(rec, ok) ?? {};
    if (reply.stall) {
      stalled++;
      notify();
      res.on("close", () => {
        stalled--;
      });
      return;
    }
    if (reply.delayMs) {
      // Cut short when the client goes away (a timeout), so no timer outlives the test.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, reply.delayMs);
        res.on("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    const status = reply.status ?? 200;
    if (status !== 200) {
      send(
        status,
        { error: { message: reply.error ?? `test error ${status}`, type: "test_error" } },
        reply.headers,
      );
      return;
    }
    const n = opts.ignoreN ? 1 : (body.n ?? 1);
    const stops = body.stop === undefined ? [] : [body.stop].flat();
    const answers: string[] = [];
    for (let i = 0; i < n; i++) {
      const k = counters.get(prompt) ?? 0;
      counters.set(prompt, k + 1);
      let text = answer(prompt, k);
      if (!opts.ignoreStop) {
        for (const s of stops) {
          const at = text.indexOf(s);
          if (s !== "" && at >= 0) text = text.slice(0, at);
        }
      }
      answers.push(text);
    }
    rec.answers = answers;
    ok++;
    send(
      200,
      {
        id: `chatcmpl-${rec.seq}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? "test",
        choices: answers.map((content, index) => ({
          index,
          message: { role: "assistant", content },
          finish_reason: "stop",
        })),
        usage: { prompt_tokens: 10, completion_tokens: 5 * n, total_tokens: 10 + 5 * n },
      },
      reply.headers,
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    answered: () => requests.filter((r) => r.status === 200),
    waitForAnswered: (k) => waitFor(() => ok >= k),
    waitForStalled: (k) => waitFor(() => stalled >= k),
    setPlan(p) {
      plan = p;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
