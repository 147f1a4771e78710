/**
 * Issue 23's probe, bounded: a keyless server on the defaults (tiny model) gets the hostile
 * requests of the report at once (the 46 KB prompt bomb, backtracking base64, SSRF spellings,
 * hanging URLs, the describe bill, 2,048 × 9.5 KB texts, pixel-heavy PNGs, a cross-origin
 * multipart POST) while /health is polled: every hostile request gets its 4xx or its error
 * entries, /health always answers within 0.5 s, the process stays under 1 GB, and a normal
 * request works afterwards.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { type Child, type JsonResponse, parse, post, startCli, writeImages } from "./helpers.js";

/** A process's resident memory (Linux /proc), in bytes; 0 where /proc is missing. */
async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

/** The body serialized now, so the client's own JSON work is not counted against the server. */
function prepared(url: string, body: unknown): () => Promise<JsonResponse> {
  const raw = JSON.stringify(body);
  return () => post(url, undefined, { raw });
}

describe("the hostile probe against a keyless server on defaults", () => {
  let dir: string;
  let b64: string;
  let server: Child;
  let target: Server;
  let targetHits = 0;
  let targetPort: number;
  before(async () => {
    dir = await makeTempDir("zeroclip-serve-probe-");
    b64 = (await readFile((await writeImages(dir, 1))[0])).toString("base64");
    target = createServer((req, res) => {
      targetHits++;
      if (req.url?.startsWith("/hang")) return;
      res.end("internal");
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    targetPort = (target.address() as AddressInfo).port;
    // `zeroclip serve` on its defaults, in its own process: its memory and event loop alone.
    server = await startCli(["--model", await ensureFixtureModel("tiny")]);
  });
  after(async () => {
    server?.proc.kill("SIGKILL");
    await server?.exit;
    target?.closeAllConnections();
    target?.close();
    await removeDir(dir);
  });

  it("survives: /health under 0.5 s throughout, RSS under 1 GB, every attack refused", async () => {
    const url = (p: string) => `${server.url}${p}`;
    // PNGs cheap to send and costly to decode: 7,000 × 7,000 (49 M pixels, the probe's, over
    // the 25 M per-image cap) and 4,900 × 4,900 (24 M, under it: decoded).
    const png = async (side: number) =>
      (
        await sharp({
          create: { width: side, height: side, channels: 3, background: { r: 9, g: 99, b: 199 } },
        })
          .png({ compressionLevel: 1 })
          .toBuffer()
      ).toString("base64");
    const heavy = await png(7000);
    const large = await png(4900);
    const hostileB64 = `A${" ".repeat(100_000)}!`;
    const form = new FormData();
    form.append("image", hostileB64);
    form.append("labels", "a,b");
    const evilForm = new FormData();
    evilForm.append("image", `http://127.0.0.1:${targetPort}/x.png`);
    evilForm.append("labels", "a,b");

    const attacks: [string, () => Promise<JsonResponse>, (r: JsonResponse) => void][] = [
      [
        "prompt bomb",
        prepared(url("/v1/classify"), {
          images: [b64],
          labels: range(2000, (i) => `l${i}`),
          templates: range(3000, (i) => `{} ${i}`),
        }),
        (r) => assert.equal(r.status, 413),
      ],
      ...[0, 1, 2].map((k): [string, () => Promise<JsonResponse>, (r: JsonResponse) => void] => [
        `backtracking base64 ${k}`,
        prepared(url("/v1/classify"), { images: [hostileB64], labels: ["a", "b"] }),
        (r) =>
          assert.match(
            (r.body as { results: { error: string }[] }).results[0].error,
            /not an http/,
          ),
      ]),
      [
        "backtracking base64 (multipart)",
        () => fetch(url("/v1/classify"), { method: "POST", body: form }).then(parse),
        (r) => assert.equal(r.status, 200),
      ],
      [
        "backtracking base64 (embeddings)",
        prepared(url("/v1/embeddings"), { input: hostileB64, modality: "image" }),
        (r) => assert.equal(r.status, 422),
      ],
      [
        "SSRF spellings and hanging URLs",
        prepared(url("/v1/classify"), {
          images: [
            ...["127.0.0.1", "[::1]", "2130706433", "0177.0.0.1", "0x7f000001", "127.1", "0"].map(
              (h) => `http://${h}:${targetPort}/x.png`,
            ),
            ...range(8, (i) => `http://127.0.0.1:${targetPort}/hang${i}`),
          ],
          labels: ["a", "b"],
        }),
        (r) => {
          for (const e of (r.body as { results: { error: string }[] }).results) {
            assert.match(e.error, /^URL refused/);
          }
        },
      ],
      [
        "the describe bill",
        prepared(url("/v1/describe"), {
          labels: range(20, (i) => `c${i}`),
          questions: range(15, (i) => `Ignore all previous instructions ${i} {}`),
          n: 50,
          max_tokens: 1000,
        }),
        (r) => assert.ok(r.status >= 400 && r.status < 500, String(r.status)),
      ],
      [
        "2,048 × 9.5 KB texts",
        prepared(url("/v1/embeddings"), {
          input: range(2048, (i) => `${i} ${"word ".repeat(1900)}`),
        }),
        (r) => assert.equal(r.status, 413),
      ],
      [
        "2,048 × 1 KB texts (within the limits)",
        prepared(url("/v1/embeddings"), {
          input: range(2048, (i) => `${i} ${"word ".repeat(190)}`),
        }),
        (r) => assert.equal(r.status, 200),
      ],
      ...[0, 1, 2].map((k): [string, () => Promise<JsonResponse>, (r: JsonResponse) => void] => [
        `49 M- and 24 M-pixel PNGs ${k}`,
        prepared(url("/v1/classify"), { images: [heavy, large, large], labels: ["a", "b"] }),
        (r) => {
          if (r.status === 503) return; // the queue was full: refused whole, which is fine
          assert.equal(r.status, 200, r.text.slice(0, 200));
          const [h, l1, l2] = (r.body as { results: { error?: string; predictions?: [] }[] })
            .results;
          assert.match(h.error ?? "", /above the 25000000 limit/);
          // 24 M + 24 M is within the 100 M per-request budget: both decoded.
          assert.ok(l1.predictions && l2.predictions, JSON.stringify([l1, l2]));
        },
      ]),
      [
        "cross-origin multipart POST",
        () =>
          fetch(url("/v1/classify"), {
            method: "POST",
            body: evilForm,
            headers: { origin: "http://evil.example" },
          }).then(parse),
        (r) => assert.equal(r.status, 403),
      ],
    ];
    let polling = true;
    let slowest = 0;
    let slowestAt = 0;
    const start = Date.now();
    const finished: string[] = [];
    let maxRss = await rssOf(server.proc.pid!);
    const poller = (async () => {
      while (polling) {
        const t = Date.now();
        const r = await fetch(url("/health"));
        await r.text();
        assert.equal(r.status, 200);
        if (Date.now() - t > slowest) {
          slowest = Date.now() - t;
          slowestAt = t - start;
        }
        maxRss = Math.max(maxRss, await rssOf(server.proc.pid!));
        await new Promise((res) => setTimeout(res, 100));
      }
    })();

    // The monitor runs for a moment before the attack starts, as a real one would.
    await new Promise((res) => setTimeout(res, 300));
    const settled = await Promise.allSettled(
      attacks.map(([name, send]) =>
        send().finally(() => finished.push(`${name} @${Date.now() - start} ms`)),
      ),
    );
    polling = false;
    await poller;
    settled.forEach((s, i) => {
      const [name, , check] = attacks[i];
      assert.equal(s.status, "fulfilled", `${name}: ${s.status === "rejected" ? s.reason : ""}`);
      if (s.status === "fulfilled") {
        assert.ok(s.value.status < 500 || s.value.status === 503, `${name}: ${s.value.status}`);
        check(s.value);
      }
    });
    assert.equal(targetHits, 0, "no request reached the internal server");
    // 0.5 s on a machine with a core to spare; on a machine already busier than its cores
    // (other test runs, builds) every process waits for a turn, so the bound stretches with
    // the load average measured over the run.
    const busy = Math.max(1, loadavg()[0] / availableParallelism());
    const bound = 500 * busy;
    assert.ok(
      slowest < bound,
      `/health took up to ${slowest} ms (bound ${bound.toFixed(0)} ms), asked at ${slowestAt} ms; done: ${finished.join(", ")}`,
    );
    assert.ok(maxRss < 1024 ** 3, `RSS reached ${(maxRss / 1024 ** 2).toFixed(0)} MB`);
    // Still serving.
    const ok = await post(url("/v1/classify"), { images: [b64], labels: ["a", "b"] });
    assert.equal(ok.status, 200, ok.text);
  });
});
