/** parseInlineImage: URLs, data: URIs and base64 become sources; file paths never do. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBase64Text, parseInlineImage } from "../../src/image/inline.js";
import { InputError } from "../../src/util/errors.js";

const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00, 0xfe]);
const b64 = Buffer.from(bytes).toString("base64");

describe("parseInlineImage", () => {
  it("keeps http(s) URLs as URLs", () => {
    assert.equal(parseInlineImage("https://example.com/a.jpg"), "https://example.com/a.jpg");
    assert.equal(parseInlineImage("  HTTP://h/x.png "), "HTTP://h/x.png");
  });

  it("refuses URLs when they are turned off", () => {
    assert.throws(
      () => parseInlineImage("http://127.0.0.1/a.jpg", { allowUrls: false }),
      (e: unknown) => e instanceof InputError && /URL inputs are turned off/.test(e.message),
    );
  });

  it("decodes base64 (standard, URL-safe, unpadded, wrapped) to the same bytes", () => {
    assert.deepEqual(parseInlineImage(b64), bytes);
    const urlSafe = b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    assert.deepEqual(parseInlineImage(urlSafe), bytes);
    assert.deepEqual(parseInlineImage(`${b64.slice(0, 4)}\n${b64.slice(4)}`), bytes);
  });

  it("decodes data: URIs, base64 and percent-encoded", () => {
    assert.deepEqual(parseInlineImage(`data:image/png;base64,${b64}`), bytes);
    const pct = Array.from(bytes, (b) => `%${b.toString(16).padStart(2, "0")}`).join("");
    assert.deepEqual(parseInlineImage(`data:image/png,${pct}`), bytes);
    assert.throws(() => parseInlineImage("data:image/png;base64"), /no comma/);
  });

  it("never treats a string as a file path", () => {
    for (const s of ["./cat.jpg", "C:\\photos\\cat.jpg", "cat.jpg", "~/cat.jpg"]) {
      assert.throws(() => parseInlineImage(s), /never reads file paths/, s);
    }
    assert.throws(() => parseInlineImage("file:///etc/passwd"), /unsupported URL scheme file:/);
    // A path made only of base64 characters is decoded as base64 (garbage bytes), not read.
    const junk = parseInlineImage("/etc/passwd");
    assert.ok(junk instanceof Uint8Array);
    assert.deepEqual(junk, new Uint8Array(Buffer.from("/etc/passwd", "base64")));
  });

  it("refuses empty input", () => {
    assert.throws(() => parseInlineImage("   "), /empty/);
    assert.throws(() => parseInlineImage("data:image/png;base64,"), /not valid base64|no bytes/);
  });

  it("checks base64 in linear time: hostile whitespace runs cost one pass (issue 23, finding 2)", () => {
    // A backtracking pattern took ~3 s on each of these; one scan takes well under a millisecond.
    const hostile = [
      `A${" ".repeat(100_000)}!`,
      `${" \n".repeat(50_000)}A!`,
      `data:image/png;base64,A${" ".repeat(100_000)}!`,
      `A${"=".repeat(3)}${" ".repeat(100_000)}`,
    ];
    const t = process.hrtime.bigint();
    for (const s of hostile) {
      assert.throws(() => parseInlineImage(s), InputError);
    }
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    // One scan is ~1 ms idle; the backtracking pattern took ~12 s for these four. The bound sits
    // between the two with room for a machine loaded 20× over its cores.
    assert.ok(ms < 1500, `took ${ms.toFixed(1)} ms`);
  });

  it("accepts exactly what base64 allows: data, then at most two '=', then whitespace", () => {
    for (const ok of ["QUJD", "QUI=", "QQ==", "QQ==\n", " QU JD ", "QU\tJD", "Q-_A"]) {
      assert.ok(isBase64Text(ok), JSON.stringify(ok));
    }
    for (const bad of ["", "   ", "QQ===", "QQ=A", "Q!", "==", "QQ== x", "Q\u00e9"]) {
      assert.equal(isBase64Text(bad), false, JSON.stringify(bad));
    }
  });
});
