import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { APIError } from "openai";
import { cleanAnswer, dedupeSentences } from "../../src/prompts/clean.js";
import { describeClasses } from "../../src/prompts/describe.js";
import { readLabelsFile, splitFileKey } from "../../src/prompts/files.js";
import { endpointId, LlmCache, type SamplingKey } from "../../src/prompts/llm-cache.js";
import {
  fillQuestion,
  QUESTION_SETS,
  readQuestionsFile,
  resolveQuestions,
} from "../../src/prompts/questions.js";
import { isRetryable, retryAfterMs, retryDelayMs } from "../../src/prompts/retry.js";
import { NetworkError, UsageError } from "../../src/util/errors.js";
import { startLlmServer } from "../support/llm-server.js";

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "zeroclip-prompts-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("questions", () => {
  test("a becomes an before a vowel letter, only right before the class", () => {
    assert.equal(
      fillQuestion("Describe what a {} looks like", "apple"),
      "Describe what an apple looks like",
    );
    assert.equal(
      fillQuestion("Describe what a {} looks like", "pear"),
      "Describe what a pear looks like",
    );
    assert.equal(
      fillQuestion("A caption of an image of a {}:", "owl"),
      "A caption of an image of an owl:",
    );
    assert.equal(fillQuestion("A {}?", "Eel"), "An Eel?");
    assert.equal(fillQuestion("a {}", "egg"), "an egg");
    assert.equal(fillQuestion("Tell me about a {}", "yak"), "Tell me about a yak");
    assert.equal(fillQuestion("banana {}", "egg"), "banana egg");
    assert.equal(fillQuestion("the {c} and a {}", "ice"), "the ice and an ice");
    assert.throws(() => fillQuestion("no placeholder", "x"), /placeholder/);
  });

  test("question sets and files", async () => {
    assert.equal(QUESTION_SETS.seed.length, 3);
    assert.equal(QUESTION_SETS["cupl-imagenet"].length, 5);
    assert.deepEqual(await resolveQuestions("seed"), [...QUESTION_SETS.seed]);
    assert.deepEqual(await resolveQuestions(), [...QUESTION_SETS["cupl-imagenet"]]);
    const f = join(tmp, "q.txt");
    await writeFile(f, "# comment\r\n  What is a {}?  \r\n\r\nDraw a {}\n");
    assert.deepEqual(await readQuestionsFile(f), ["What is a {}?", "Draw a {}"]);
    await writeFile(f, "What is it?\n");
    await assert.rejects(readQuestionsFile(f), /placeholder/);
  });
});

describe("user files", () => {
  test("FILE#KEY splits at the last #, unless a file has that whole name", async () => {
    assert.deepEqual(splitFileKey(join(tmp, "t.json#cifar10")), {
      file: join(tmp, "t.json"),
      key: "cifar10",
    });
    const hashed = join(tmp, "my#labels.txt");
    await writeFile(hashed, "cat\ndog, wild\n");
    assert.deepEqual(splitFileKey(hashed), { file: hashed });
    assert.deepEqual(await readLabelsFile(hashed), ["cat", "dog, wild"]);
  });
});

describe("answer cleaning", () => {
  test("trim, collapse whitespace, cut at the stop, end with a period, drop empties", () => {
    assert.equal(cleanAnswer("  A frog\n\n is   green"), "A frog is green.");
    assert.equal(cleanAnswer("A frog is green. It jumps."), "A frog is green.");
    assert.equal(cleanAnswer("Is it green?"), "Is it green?.");
    assert.equal(cleanAnswer(""), undefined);
    assert.equal(cleanAnswer(" \n "), undefined);
    assert.equal(cleanAnswer("."), undefined);
    assert.equal(cleanAnswer("\n\n- "), undefined);
    assert.deepEqual(dedupeSentences(["a.", "b.", "a."]), ["a.", "b."]);
  });
});

describe("retry policy", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  test("Retry-After as seconds, HTTP date, retry-after-ms", () => {
    const now = Date.parse("2024-01-01T00:00:00Z");
    assert.equal(retryAfterMs(h({ "retry-after": "2" }), now), 2000);
    assert.equal(retryAfterMs(h({ "retry-after": "0.5" }), now), 500);
    assert.equal(retryAfterMs(h({ "retry-after": "Mon, 01 Jan 2024 00:00:03 GMT" }), now), 3000);
    assert.equal(retryAfterMs(h({ "retry-after-ms": "250", "retry-after": "9" }), now), 250);
    assert.equal(retryAfterMs(h({ "retry-after": "soon" }), now), undefined);
    assert.equal(retryAfterMs(h({}), now), undefined);
  });

  test("what is retried, and how long it waits", () => {
    const err = (status: number, headers: Record<string, string> = {}) =>
      APIError.generate(status, { message: "x" }, undefined, h(headers));
    assert.ok(isRetryable(err(429)));
    assert.ok(isRetryable(err(500)));
    assert.ok(isRetryable(err(503)));
    assert.ok(!isRetryable(err(400)));
    assert.ok(!isRetryable(err(401)));
    assert.ok(!isRetryable(new Error("bug")));
    // Backoff doubles, half of it jittered, capped.
    const o = { baseMs: 100, maxMs: 1000 };
    assert.equal(
      retryDelayMs(0, err(500), o, () => 0),
      50,
    );
    assert.equal(
      retryDelayMs(0, err(500), o, () => 1),
      100,
    );
    assert.equal(
      retryDelayMs(3, err(500), o, () => 1),
      800,
    );
    assert.equal(
      retryDelayMs(9, err(500), o, () => 1),
      1000,
    );
    // Retry-After wins over backoff, with ≤ 10% jitter, and is capped.
    assert.equal(
      retryDelayMs(0, err(429, { "retry-after": "0.5" }), o, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(0, err(429, { "retry-after": "0.5" }), o, () => 1),
      550,
    );
    assert.equal(
      retryDelayMs(0, err(429, { "retry-after": "3600" }), o, () => 0),
      1000,
    );
  });
});

describe("LLM answer cache", () => {
  const key: SamplingKey = {
    endpoint: "http://user:pw@localhost:11434/v1/",
    model: "m",
    temperature: 0.99,
    maxTokens: 50,
    stop: ["."],
  };

  test("endpoint ids drop credentials and trailing slashes", () => {
    assert.equal(endpointId("http://user:pw@localhost:11434/v1/"), "http://localhost:11434/v1");
    assert.equal(endpointId("https://api.openai.com/v1"), "https://api.openai.com/v1");
  });

  test("survives a torn last line and keeps appending after it", async () => {
    const dir = join(tmp, "cache-torn");
    const c1 = await LlmCache.open(dir, key);
    await c1.add([
      { label: "cat", question: "q {}", index: 0, text: "one" },
      { label: "cat", question: "q {}", index: 1, text: "two" },
    ]);
    // A kill in the middle of a write leaves half a line.
    await writeFile(c1.file, (await readFile(c1.file, "utf8")) + '{"label":"cat","quest');
    const c2 = await LlmCache.open(dir, key);
    assert.equal(c2.size, 2);
    await c2.add([{ label: "cat", question: "q {}", index: 2, text: "three" }]);
    const c3 = await LlmCache.open(dir, key);
    assert.equal(c3.size, 3);
    assert.equal(c3.get("cat", "q {}", 2), "three");
    assert.ok(!(await readFile(c1.file, "utf8")).includes("pw"), "no credentials in the cache");
  });

  test("different sampling parameters use different files", async () => {
    const dir = join(tmp, "cache-keys");
    const a = await LlmCache.open(dir, key);
    const b = await LlmCache.open(dir, { ...key, temperature: 0.5 });
    const c = await LlmCache.open(dir, { ...key, endpoint: "http://localhost:11434/v1" });
    assert.notEqual(a.file, b.file);
    assert.equal(a.file, c.file);
  });
});

describe("describeClasses (library)", () => {
  test("more samples later: only the new sample indices are requested", async () => {
    const server = await startLlmServer();
    try {
      const opts = {
        model: "m",
        baseURL: server.baseURL,
        questions: ["What is a {}?"],
        cache: join(tmp, "grow-cache"),
      };
      const a = await describeClasses(["frog"], { ...opts, n: 2 });
      assert.equal(a.requests, 1);
      const b = await describeClasses(["frog"], { ...opts, n: 5 });
      assert.equal(b.requests, 1);
      assert.equal(b.cachedAnswers, 2);
      assert.deepEqual(
        server.requests.map((r) => r.body.n),
        [2, 3],
      );
      assert.equal(b.descriptions.frog.length, 5);
      assert.deepEqual(b.descriptions.frog.slice(0, 2), a.descriptions.frog);
    } finally {
      await server.close();
    }
  });

  test("returns the CuPL map and failures, with progress", async () => {
    const server = await startLlmServer({
      plan: (r) => (r.prompt.includes("bad") ? { status: 400 } : undefined),
    });
    try {
      const progress: number[] = [];
      const failures: string[] = [];
      const res = await describeClasses(["frog", "bad thing"], {
        model: "m",
        baseURL: server.baseURL,
        apiKey: "k",
        questions: ["What is a {}?"],
        n: 2,
        cache: false,
        concurrency: 1,
        onProgress: (d) => progress.push(d),
        onFailure: (f) => failures.push(f.label),
      });
      assert.deepEqual(res.descriptions, {
        frog: ["What is a frog answer number 0.", "What is a frog answer number 1."],
      });
      assert.deepEqual(
        res.failures.map((f) => [f.label, f.status]),
        [["bad thing", 400]],
      );
      assert.deepEqual(failures, ["bad thing"]);
      assert.equal(progress.at(-1), 2);
      assert.equal(res.cachedAnswers, 0);
      assert.ok(res.usage.completionTokens > 0);
      await assert.rejects(
        describeClasses(["a", "a"], { model: "m", baseURL: server.baseURL, cache: false }),
        /given twice/,
      );
    } finally {
      await server.close();
    }
  });

  /** A loopback server that answers every request with this status, type and body. */
  async function rawServer(body: string, type: string) {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(200, { "content-type": type });
      res.end(body);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    return {
      baseURL: `http://127.0.0.1:${port}/v1`,
      hits: () => hits,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }

  test("a 200 that is not a chat completion (HTML, null) stops the run with exit-4 error", async () => {
    for (const [body, type] of [
      ["<html><body>Please log in</body></html>", "text/html"],
      ["null", "application/json"],
    ]) {
      const server = await rawServer(body, type);
      try {
        await assert.rejects(
          describeClasses(["frog", "cat", "dog"], {
            model: "m",
            baseURL: server.baseURL,
            questions: ["What is a {}?"],
            n: 3,
            cache: false,
            concurrency: 1,
          }),
          (err: Error) =>
            err instanceof NetworkError &&
            /not answer with a chat completion/.test(err.message) &&
            err.message.includes(server.baseURL),
        );
        // Once, not 2n+2 requests per class.
        assert.equal(server.hits(), 1);
      } finally {
        await server.close();
      }
    }
  });

  test("a truncated JSON body is retried and reported as invalid JSON", async () => {
    const server = await rawServer('{"choices":[{"message":{"content":"A fr', "application/json");
    try {
      const res = await describeClasses(["frog"], {
        model: "m",
        baseURL: server.baseURL,
        questions: ["What is a {}?"],
        n: 1,
        cache: false,
        retries: 2,
        baseMs: 1,
      });
      assert.deepEqual(res.descriptions, {});
      assert.match(res.failures[0].error, /^invalid JSON from the server \(/);
      assert.equal(server.hits(), 3);
    } finally {
      await server.close();
    }
  });

  test("a base URL that is not http(s), or holds credentials, is a usage error", async () => {
    for (const baseURL of [
      "localhost:11434",
      "ftp://host/v1",
      "http://user:s3cret@127.0.0.1:1/v1",
    ]) {
      await assert.rejects(
        describeClasses(["frog"], { model: "m", baseURL, cache: false }),
        (err: Error) => err instanceof UsageError && !err.message.includes("s3cret"),
      );
    }
  });
});
