/**
 * Errors are told apart by their stable code, never by message text (docs/errors.md): no file of
 * src/ tests, searches or compares an error's message, except where a marked line reads the
 * text of a third-party library that gives no code (sharp, Redis, pg).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, it } from "node:test";
import { messageTextMatches } from "../support/error-text.js";
import { repoRoot } from "../support/paths.js";

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

describe("no behaviour decided by error message text", () => {
  it("finds the matching this project used to do, and nothing in ordinary string code", () => {
    // The three places issue 21 named, as they were written before codes.
    const before = [
      "if (err instanceof NetworkError && /^cannot reach/.test(err.message)) retry();",
      "if (err instanceof ModelError && /^repository .* not found/.test(err.message)) x();",
      "function t(message: string) { if (/URL inputs are turned off/.test(message)) return 1; }",
      'if (r.error === "dropped") skip();',
      'const msg = errorMessage(err); if (msg.includes("pixel limit")) big();',
      'if (errorMessage(e).startsWith("no such file")) missing();',
      'const why = String(e.message); if (why.endsWith("x")) y();',
    ];
    for (const code of before) {
      assert.equal(messageTextMatches("x.ts", code).length, 1, code);
    }
    const fine = [
      "if (/^[\\s\\p{P}]*$/u.test(text)) return undefined;",
      "if (LABELS.includes(name)) add(name);",
      'if (err.code === "ENOENT") missing();',
      'if (e.keyword === "maxLength") return "max-text-length";',
      "// foreign-error-text: sharp gives text only\nif (/unsupported image format/i.test(msg)) no();",
    ];
    for (const code of fine) assert.deepEqual(messageTextMatches("x.ts", code), [], code);
  });

  it("src/ has none", () => {
    const root = join(repoRoot, "src");
    const found = sourceFiles(root).flatMap((f) =>
      messageTextMatches(relative(repoRoot, f).split(sep).join("/"), readFileSync(f, "utf8")),
    );
    assert.deepEqual(
      found.map((m) => `${m.file}:${m.line}: ${m.text}`),
      [],
      "decide by `err.code` (src/util/error-codes.ts), not by the message",
    );
  });
});
