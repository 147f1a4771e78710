import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32 } from "../../src/util/crc32.js";

describe("crc32", () => {
  it("matches the IEEE check value", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});
