/**
 * Stable error codes: each class's default, the class a code belongs to, failure records, the
 * CLI's exit code per code (the contract printed by `zeroclip --help`: 1 inputs failed, 2 usage,
 * 3 model, 4 network), and docs/errors.md listing exactly the codes there are.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { exitCodeOf } from "../../src/cli/exit.js";
import { ERROR_CODES, type ErrorCode, kindOf } from "../../src/util/error-codes.js";
import {
  errorCode,
  failureError,
  InputError,
  inputFailure,
  ModelError,
  NetworkError,
  UsageError,
  ZeroclipError,
} from "../../src/util/errors.js";
import { repoRoot } from "../support/paths.js";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

describe("error codes", () => {
  it("each class has its default code, and a site may give a finer one", () => {
    assert.equal(new InputError("x").code, "input_invalid");
    assert.equal(new ModelError("x").code, "model_invalid");
    assert.equal(new UsageError("x").code, "usage");
    assert.equal(new NetworkError("x").code, "network");
    const e = new InputError("image has 9 pixels, above the 4 limit", "image_too_large");
    assert.equal(e.code, "image_too_large");
    assert.equal(e.name, "InputError");
    assert.ok(e instanceof ZeroclipError);
  });

  it("codes are snake_case and unique in meaning: one summary each", () => {
    for (const c of CODES) assert.match(c, /^[a-z]+(_[a-z]+)*$/);
    const summaries = CODES.map((c) => ERROR_CODES[c].summary);
    assert.equal(new Set(summaries).size, summaries.length);
  });

  it("a failure record becomes an error of its code's class, with its code and message", () => {
    const classOf = {
      input: InputError,
      model: ModelError,
      usage: UsageError,
      network: NetworkError,
    };
    for (const code of CODES) {
      const err = failureError({ code, error: `failed: ${code}` });
      assert.equal(err.code, code);
      assert.equal(err.message, `failed: ${code}`);
      const kind = kindOf(code);
      if (kind === "service") {
        for (const cls of Object.values(classOf)) assert.ok(!(err instanceof cls), code);
      } else assert.ok(err instanceof classOf[kind], `${code} is a ${kind} error`);
    }
  });

  it("inputFailure keeps a zeroclip error's code and gives others the fallback", () => {
    assert.deepEqual(inputFailure(new InputError("no such file: a.jpg", "file_not_found")), {
      code: "file_not_found",
      error: "no such file: a.jpg",
    });
    assert.deepEqual(inputFailure(new TypeError("bad\n  thing")), {
      code: "internal_error",
      error: "bad thing",
    });
    assert.equal(inputFailure(new Error("EACCES"), "file_unreadable").code, "file_unreadable");
    assert.equal(errorCode("a string"), "internal_error");
  });

  it("the CLI's exit code follows from the code's kind", () => {
    const expected = { input: 1, usage: 2, model: 3, network: 4, service: 1 };
    for (const code of CODES) assert.equal(exitCodeOf(code), expected[kindOf(code)], code);
    assert.equal(exitCodeOf("limit_exceeded"), 2);
    assert.equal(exitCodeOf("credentials_refused"), 2);
    assert.equal(exitCodeOf("network_unreachable"), 4);
    assert.equal(exitCodeOf("model_not_found"), 3);
    assert.equal(exitCodeOf("image_too_large"), 1);
  });

  it("docs/errors.md lists every code once, under its class, and no other", () => {
    const doc = readFileSync(join(repoRoot, "docs", "errors.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    const heading = {
      input: "InputError",
      model: "ModelError",
      usage: "UsageError",
      network: "NetworkError",
      service: "ZeroclipError",
    };
    assert.deepEqual(
      rows.map(([c]) => c).sort(),
      [...CODES].sort(),
      "one table row per code in docs/errors.md",
    );
    for (const [code, cls] of rows) {
      assert.equal(cls, heading[kindOf(code as ErrorCode)], code);
    }
  });
});
