import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { copyWindow, resizeBicubic } from "../../src/image/resample.js";
import type { RgbImage } from "../../src/image/types.js";

/** A deterministic noisy image (xorshift), so every tap matters. */
function noise(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  return { width, height, data };
}

describe("resizeBicubic with a window", () => {
  it("equals cropping the full resize, for shrinking, enlarging and mixed sizes", () => {
    const cases: [number, number, number, number][] = [
      [97, 61, 40, 25], // shrink both
      [31, 17, 70, 40], // enlarge both
      [50, 20, 30, 60], // shrink one, enlarge the other
      [40, 33, 40, 20], // width unchanged: horizontal pass skipped
      [45, 30, 20, 30], // height unchanged: vertical pass skipped
    ];
    for (const [inW, inH, w, h] of cases) {
      const img = noise(inW, inH, inW * 131 + inH);
      const full = resizeBicubic(img, w, h);
      for (const win of [
        { left: 0, top: 0, width: w, height: h },
        {
          left: Math.floor(w / 4),
          top: Math.floor(h / 3),
          width: Math.ceil(w / 2),
          height: Math.ceil(h / 2),
        },
        { left: w - 1, top: h - 1, width: 1, height: 1 },
      ]) {
        const part = resizeBicubic(img, w, h, win);
        assert.equal(part.width, win.width);
        assert.equal(part.height, win.height);
        assert.deepEqual(
          part.data,
          copyWindow(full.data, w, win),
          `${inW}x${inH}→${w}x${h} ${JSON.stringify(win)}`,
        );
      }
    }
  });

  it("rejects a window outside the output", () => {
    const img = noise(10, 10, 3);
    assert.throws(
      () => resizeBicubic(img, 5, 5, { left: 3, top: 0, width: 3, height: 5 }),
      RangeError,
    );
  });
});
