/**
 * PREPROCESS_VERSION (src/image/version.ts) is part of the image-embedding cache key and is
 * bumped by hand whenever decoding or preprocessing changes its output. This test pins, next to
 * the version, SHA-256 hashes of the preprocessed tensors (the pool's read → decode → resize →
 * crop → normalize, as the image pass runs it) of images generated here with the project's own
 * PNG encoder and, when ../shared is present, of the reference images. If the output changes
 * while the version does not, cached embeddings would silently be stale: the test fails and says
 * what to do. After bumping the version, replace the table with the one the failure prints.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parsePreprocessorConfig } from "../../src/image/config.js";
import { PreprocessPool } from "../../src/image/pool.js";
import type { PreprocessConfig } from "../../src/image/types.js";
import { PREPROCESS_VERSION } from "../../src/image/version.js";
import { encodePng, noisePixels, pngFromPixels } from "../support/images.js";
import { sharedPath } from "../support/paths.js";

const PINNED: {
  version: number;
  generated: Record<string, string>;
  shared: Record<string, string>;
} = {
  version: 1,
  generated: {
    "noise-rgb-97x61.png": "1550823241fa8664929cf67d986b3a2ba72f8bcfff5642fdbb3cd210c366b9cb",
    "noise-rgb-300x200.png": "ad85ac4ddeef3fc091a370b7b5ee904d19ccf475a4975625b307a3d3d11d19a1",
    "noise-rgba-50x64.png": "0890af90936dadf7b0c3a82b9afaf757ea1fb53f8ac799aca7eb62dfe8218213",
    "noise-grey-40x70.png": "abeced3284b08138806924a2e88a168080f740c0edc29c51e4fccdc8dfc20c64",
    "palette-trns-33x21.png": "b879d056b5540a567c78eb8af5ee068ab304fb5866317cc4d795cfee013f49f5",
    "solid-grey16-224x224.png": "d4c49d64f3d035661abdfd824c301fcb3ba80e3f5cf5d427cea6cea11999d59d",
  },
  shared: {
    "brambling.webp": "ae90ac898b0af788b2b98b2f557b40e00914272f9562263a99149d585b23d752",
    "goldfish_alpha.png": "02be17b923d62f909a963e518b3450ae7181beb24a44beee423811f2ea59c8b8",
    "n01440764_tench.JPEG": "ab62336455b134725624fa34c3c94670fb5f18ea5c759835655c4e7c74aaa0de",
    "n01644373_tree_frog.JPEG": "2ffdbc2cdcce3cca58dd96817b6331cb9bfbb536be6bd523b83e0169b95f6198",
    "n01644900_tailed_frog.JPEG":
      "8f996e0a1cc951c4813d4695923b2d27a51beb1caef228f544ea5dcdcf47470b",
    "n01748264_Indian_cobra.JPEG":
      "e36d1336c20eb77a8bb8cb65f7e26986842db3dc5acebed92a8e37cdc626aab0",
    "n01871265_tusker.JPEG": "c48ac48aecff60d85ea1d8f69eedc1ff61d71a9c93b69150253c91cb0ef3a330",
    "n02091032_Italian_greyhound.JPEG":
      "668e43c79442a90080f0a95f595e0b0bcc16541e9d0c20701068bed44df275be",
    "n02096051_Airedale.JPEG": "2311873ea0959ef57cf35474fc04eef087e54122bddcab664bdf16b7a7b78bf5",
    "n04238763_slide_rule.JPEG": "fcc6ea9be1991737422b706bf99b3ec73a0566e7b19eab267abe2dc3b980361a",
    "ostrich_gray.png": "c83386a90330057c60d91518aec083401b5130c562e7ef486cce6e54e2180cbe",
  },
};

/** CLIP's preprocessor_config.json (openai/clip-vit-base-patch32), written out here. */
const CLIP_PREPROCESSOR = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};

/** The generated images: bytes from test/support/images.ts's own PNG encoder (not sharp's). */
function generatedImages(): Record<string, Uint8Array> {
  const rgba = noisePixels(50, 64, 4, 3);
  for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = (i * 7) % 256; // varied alpha
  const grey16 = new Uint8Array(224 * 224 * 2);
  for (let i = 0; i < grey16.length; i += 2) {
    grey16[i] = (i >> 9) & 0xff;
    grey16[i + 1] = (i * 13) & 0xff;
  }
  const palette = new Uint8Array(33 * 21).map((_, i) => (i * 5) % 4);
  return {
    "noise-rgb-97x61.png": pngFromPixels(noisePixels(97, 61, 3, 1)),
    "noise-rgb-300x200.png": pngFromPixels(noisePixels(300, 200, 3, 2)),
    "noise-rgba-50x64.png": pngFromPixels(rgba),
    "noise-grey-40x70.png": pngFromPixels(noisePixels(40, 70, 1, 4)),
    "palette-trns-33x21.png": encodePng({
      width: 33,
      height: 21,
      colourType: 3,
      data: palette,
      palette: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 250, 10]),
      trns: new Uint8Array([255, 128, 0]),
    }),
    "solid-grey16-224x224.png": encodePng({
      width: 224,
      height: 224,
      colourType: 0,
      bitDepth: 16,
      data: grey16,
    }),
  };
}

const sha256 = (x: Float32Array) =>
  createHash("sha256")
    .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
    .digest("hex");

describe("PREPROCESS_VERSION pins the preprocessing output", () => {
  let pool: PreprocessPool;
  before(() => {
    pool = new PreprocessPool(2);
  });
  after(() => pool.close());

  /** Hash of each image's preprocessed tensor, through the worker pool as the image pass runs it. */
  const hashes = async (images: Record<string, Uint8Array | string>, cfg: PreprocessConfig) => {
    const out: Record<string, string> = {};
    for (const [name, source] of Object.entries(images)) {
      const r = await pool.prepare(source, cfg, { exifOrientation: true }, {});
      assert.ok(r.pixels, `${name}: ${r.error}`);
      out[name] = sha256(r.pixels);
    }
    return out;
  };
  const check = (kind: "generated" | "shared", got: Record<string, string>) => {
    const table = `${kind}: ${JSON.stringify(got, null, 2)}`;
    assert.equal(
      PREPROCESS_VERSION,
      PINNED.version,
      `PREPROCESS_VERSION is ${PREPROCESS_VERSION} but the hashes here are pinned for ` +
        `${PINNED.version}: set PINNED.version and pin the current hashes:\n${table}`,
    );
    assert.deepEqual(
      got,
      PINNED[kind],
      `the preprocessing output changed while PREPROCESS_VERSION stayed ${PREPROCESS_VERSION}: ` +
        `cached image embeddings would be stale. Bump PREPROCESS_VERSION in ` +
        `src/image/version.ts, then pin the new hashes (and version) in this test:\n${table}`,
    );
  };

  it("generated images", async () => {
    check("generated", await hashes(generatedImages(), parsePreprocessorConfig(CLIP_PREPROCESSOR)));
  });

  const tiny = sharedPath("models", "tiny-clip");
  it("the ../shared reference images", { skip: tiny ? false : "../shared absent" }, async () => {
    const dir = join(tiny!, "reference-images");
    const files = readdirSync(dir)
      .filter((f) => !f.endsWith(".f32"))
      .sort();
    const cfg = parsePreprocessorConfig(
      JSON.parse(await readFile(join(tiny!, "preprocessor_config.json"), "utf8")),
    );
    check("shared", await hashes(Object.fromEntries(files.map((f) => [f, join(dir, f)])), cfg));
  });
});
