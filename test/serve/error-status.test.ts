/**
 * The server answers an error by its code, through one table: every code of every class gets
 * the status docs/serve.md promises for its kind (input 422, model 500, usage 400 but
 * limit_exceeded 413, network 502, a full queue or shutdown 503 + Retry-After), and the same
 * message text under another code is answered differently (no message is read).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatcherClosedError, QueueFullError } from "../../src/model/image-batcher.js";
import { toApiError } from "../../src/serve/errors.js";
import { ERROR_CODES, type ErrorCode, kindOf } from "../../src/util/error-codes.js";
import { failureError, InputError, ModelError, UsageError } from "../../src/util/errors.js";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** The statuses as docs/serve.md's table states them, per kind and for the exceptions. */
function expectedStatus(code: ErrorCode): number {
  const exceptions: Partial<Record<ErrorCode, number>> = {
    limit_exceeded: 413,
    credentials_refused: 502,
    overloaded: 503,
    shutting_down: 503,
    cancelled: 499,
    internal_error: 500,
  };
  const byKind = { input: 422, model: 500, usage: 400, network: 502, service: 500 };
  return exceptions[code] ?? byKind[kindOf(code)];
}

describe("HTTP status by error code", () => {
  it("every code maps to its documented status, and the body names the code", () => {
    for (const code of CODES) {
      const e = toApiError(failureError({ code, error: `something about ${code}` }));
      assert.equal(e.status, expectedStatus(code), code);
      assert.equal(e.code, code);
    }
  });

  it("input errors keep the types clients knew: image_too_large, url_inputs_disabled, invalid_image", () => {
    const type = (code: ErrorCode) => toApiError(failureError({ code, error: "x" })).type;
    assert.equal(type("image_too_large"), "image_too_large");
    assert.equal(type("url_inputs_disabled"), "url_inputs_disabled");
    for (const code of CODES.filter((c) => kindOf(c) === "input")) {
      if (code !== "image_too_large" && code !== "url_inputs_disabled") {
        assert.equal(type(code), "invalid_image", code);
      }
    }
    assert.equal(type("usage"), "invalid_request");
    assert.equal(type("model_not_found"), "model_error");
    assert.equal(type("llm_failed"), "upstream_error");
  });

  it("decides by code, not text: the old matched phrases under other codes", () => {
    // Before codes, these texts alone made a 422 image_too_large / url_inputs_disabled.
    const a = toApiError(
      new InputError("image has 5 pixels, above the 4 limit", "image_unreadable"),
    );
    assert.deepEqual([a.status, a.type], [422, "invalid_image"]);
    const b = toApiError(new UsageError("URL inputs are turned off on this server"));
    assert.deepEqual([b.status, b.type], [400, "invalid_request"]);
    const c = toApiError(new InputError("corrupt image", "image_too_large"));
    assert.deepEqual([c.status, c.type], [422, "image_too_large"]);
    const d = toApiError(new ModelError("repository x not found", "model_mismatch"));
    assert.deepEqual([d.status, d.code], [500, "model_mismatch"]);
  });

  it("a full queue and a shutdown ask to retry after a second; a bug says nothing of itself", () => {
    const full = toApiError(new QueueFullError("the image queue is full"));
    assert.deepEqual(
      [full.status, full.type, full.headers["retry-after"]],
      [503, "overloaded", "1"],
    );
    const closing = toApiError(new BatcherClosedError("the image batcher is closed"));
    assert.deepEqual(
      [closing.status, closing.type, closing.message, closing.headers["retry-after"]],
      [503, "shutting_down", "the server is shutting down", "1"],
    );
    const bug = toApiError(failureError({ code: "internal_error", error: "secret internals" }));
    assert.equal(bug.status, 500);
    assert.doesNotMatch(bug.message, /secret/);
    const plain = toApiError(new TypeError("secret"));
    assert.deepEqual(
      [plain.status, plain.type, plain.code],
      [500, "internal_error", "internal_error"],
    );
  });
});
