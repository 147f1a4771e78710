/** The download progress bar: bytes, rate and ETA on a terminal; nothing otherwise. */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { bytes, downloadProgress } from "../../src/model/hub/index.js";

/** A stream that claims to be a terminal and records what is written. */
function fakeTty(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let out = "";
  s.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const done = (cb?: () => void): boolean => {
    cb?.();
    return true;
  };
  Object.assign(s, {
    isTTY,
    columns: 120,
    cursorTo: (_x: number, _y?: unknown, cb?: () => void) => done(cb),
    clearLine: (_d: number, cb?: () => void) => done(cb),
    moveCursor: (_x: number, _y: number, cb?: () => void) => done(cb),
  });
  return { stream: s, text: () => out };
}

describe("download progress", () => {
  it("shows file, bytes, rate and ETA for a large file on a terminal", async () => {
    const tty = fakeTty(true);
    const bar = downloadProgress({ stream: tty.stream });
    for (let i = 0; i <= 10; i++) {
      bar.update({ file: "onnx/text_model.onnx", loaded: i * 1_000_000, total: 10_000_000 });
      await new Promise((r) => setTimeout(r, 20));
    }
    bar.stop();
    const text = tty.text();
    assert.match(text, /onnx\/text_model\.onnx \[/);
    assert.match(text, /\d\.\d+ MB\/10\.0 MB \| [\d.]+ MB\/s \| ETA \d+s/);
  });

  it("is silent for small files and off a terminal", () => {
    const small = fakeTty(true);
    const a = downloadProgress({ stream: small.stream });
    a.update({ file: "config.json", loaded: 100, total: 500 });
    a.stop();
    assert.equal(small.text(), "");
    const piped = fakeTty(false);
    const b = downloadProgress({ stream: piped.stream });
    b.update({ file: "onnx/text_model.onnx", loaded: 0, total: 10_000_000 });
    b.stop();
    assert.equal(piped.text(), "");
  });

  it("formats sizes in SI units", () => {
    assert.equal(bytes(512), "512 B");
    assert.equal(bytes(3_400), "3.40 kB");
    assert.equal(bytes(87_600_000), "87.6 MB");
    assert.equal(bytes(1_200_000_000), "1.20 GB");
  });
});
