/** Family detection from a model's own files, and the refusal of an unknown family. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClipConfig } from "../../src/model/config.js";
import { detectFamily } from "../../src/model/families/index.js";
import { ModelError } from "../../src/util/errors.js";

describe("detectFamily", () => {
  it("CLIP by model_type or architectures", () => {
    assert.equal(detectFamily({ model_type: "clip" }, {}, "m").name, "clip");
    assert.equal(detectFamily({ architectures: ["CLIPModel"] }, {}, "m").name, "clip");
  });

  it("SigLIP, and SigLIP 2 when the tokenizer is Gemma's", () => {
    assert.equal(detectFamily({ model_type: "siglip" }, {}, "m").name, "siglip");
    const sp = { tokenizer_class: "SiglipTokenizer" };
    assert.equal(detectFamily({ model_type: "siglip" }, sp, "m").name, "siglip");
    const gemma = { tokenizer_class: "GemmaTokenizerFast" };
    assert.equal(detectFamily({ architectures: ["SiglipModel"] }, gemma, "m").name, "siglip2");
  });

  it("refuses an unknown family in one line naming its model_type, guessing nothing", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model_type: "blip", text_config: {} }, /unknown model family \(model_type "blip"/],
      [{ text_config: {}, vision_config: {} }, /unknown model family \(no model_type/],
      [{ model_type: "siglip2" }, /NaFlex/],
    ];
    for (const [json, re] of cases) {
      assert.throws(
        () => detectFamily(json, {}, "/models/x"),
        (err: unknown) => {
          assert.ok(err instanceof ModelError, String(err));
          assert.match(err.message, re);
          assert.ok(!err.message.includes("\n"));
          return true;
        },
      );
    }
  });
});

describe("parseClipConfig per family", () => {
  it("SigLIP: 64 positions and the text width as the embedding size by default", () => {
    const cfg = parseClipConfig(
      { model_type: "siglip", text_config: { hidden_size: 768 }, vision_config: {} },
      "m",
    );
    assert.equal(cfg.family.name, "siglip");
    assert.equal(cfg.maxPositions, 64);
    assert.equal(cfg.projectionDim, 768);
  });

  it("CLIP keeps its defaults (512, 77)", () => {
    const cfg = parseClipConfig({ model_type: "clip" }, "m");
    assert.equal(cfg.projectionDim, 512);
    assert.equal(cfg.maxPositions, 77);
  });
});
