import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cmykToRgb, pilAlphaComposite, toRgb } from "../../src/image/composite.js";

describe("pilAlphaComposite over opaque white", () => {
  it("matches Pillow's integer formula computed by hand", () => {
    // coef1 = a*255*255*128 / (255*255) = 128a, coef2 = 128*255 - coef1,
    // tmp = v*coef1 + 255*coef2 + 128*128; out = (((tmp >> 8) + tmp) >> 8) >> 7.
    // v=100, a=128: tmp = 1638400 + 4145280 + 16384 = 5800064 -> 22656 -> 22745 -> 177
    assert.equal(pilAlphaComposite(100, 128, 255, 255), 177);
    // v=200, a=64: tmp = 1638400 + 6234240 + 16384 = 7889024 -> 30816 -> 30936 -> 241
    assert.equal(pilAlphaComposite(200, 64, 255, 255), 241);
    // v=0, a=1: tmp = 0 + 8290560 + 16384 = 8306944 -> 32449 -> 32575 -> 254
    assert.equal(pilAlphaComposite(0, 1, 255, 255), 254);
    // v=0, a=128: 127 (half black over white)
    assert.equal(pilAlphaComposite(0, 128, 255, 255), 127);
  });

  it("gives the background for alpha 0 and the value for alpha 255", () => {
    for (let v = 0; v < 256; v++) {
      assert.equal(pilAlphaComposite(v, 0, 255, 255), 255);
      assert.equal(pilAlphaComposite(v, 255, 255, 255), v);
    }
  });

  it("stays within one level of the exact blend v*a/255 + 255*(1 - a/255)", () => {
    for (let a = 0; a < 256; a += 3) {
      for (let v = 0; v < 256; v += 5) {
        const exact = (v * a) / 255 + (255 - a);
        assert.ok(Math.abs(pilAlphaComposite(v, a, 255, 255) - exact) < 1, `${v} ${a}`);
      }
    }
  });
});

describe("toRgb", () => {
  it("composites RGBA pixels over white", () => {
    const rgba = new Uint8Array([100, 200, 0, 128, 9, 9, 9, 0, 1, 2, 3, 255]);
    const out = toRgb(rgba, 3, 1, 4);
    // (100, 200, 0) at a=128: 177, pilAlphaComposite(200,128)=227, 127 (hand: 200*128/255+127
    // = 227.39); fully transparent -> white; opaque unchanged.
    assert.deepEqual([...out.data], [177, 227, 127, 255, 255, 255, 1, 2, 3]);
  });

  it("replicates grey and composites grey + alpha", () => {
    assert.deepEqual(
      [...toRgb(new Uint8Array([0, 77, 255]), 3, 1, 1).data],
      [0, 0, 0, 77, 77, 77, 255, 255, 255],
    );
    assert.deepEqual(
      [...toRgb(new Uint8Array([100, 128, 50, 0]), 2, 1, 2).data],
      [177, 177, 177, 255, 255, 255],
    );
  });

  it("drops alpha instead when asked (RGB PNG with a tRNS key)", () => {
    const rgba = new Uint8Array([100, 200, 0, 0, 1, 2, 3, 255]);
    assert.deepEqual([...toRgb(rgba, 2, 1, 4, true).data], [100, 200, 0, 1, 2, 3]);
  });

  it("copies RGB and rejects other channel counts or short buffers", () => {
    const rgb = new Uint8Array([1, 2, 3]);
    const out = toRgb(rgb, 1, 1, 3);
    assert.deepEqual([...out.data], [1, 2, 3]);
    assert.notEqual(out.data, rgb);
    assert.throws(() => toRgb(new Uint8Array(5), 1, 1, 5), RangeError);
    assert.throws(() => toRgb(new Uint8Array(2), 1, 1, 3), RangeError);
  });
});

describe("cmykToRgb", () => {
  it("uses Pillow's naive formula", () => {
    // nk = 255 - k; out = nk - (c*nk + 128 + ((c*nk + 128) >> 8)) >> 8
    // c=0,k=0 -> 255; c=255,k=0 -> 0; k=255 -> 0;
    // c=100, k=55: nk=200, c*nk+128 = 20128 -> (78 + 20128) >> 8 = 78 -> 122
    const cmyk = new Uint8Array([0, 255, 100, 0, 0, 0, 0, 255, 100, 100, 100, 55]);
    assert.deepEqual([...cmykToRgb(cmyk, 3, 1).data], [255, 0, 155, 0, 0, 0, 122, 122, 122]);
  });
});
