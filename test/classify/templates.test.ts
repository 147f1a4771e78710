import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classTexts } from "../../src/classify/class-embeddings.js";
import { fillTemplate, templatesFromJson } from "../../src/classify/templates.js";
import { UsageError } from "../../src/util/errors.js";

describe("templates", () => {
  it("fills {} and {c}", () => {
    assert.equal(fillTemplate("a photo of a {}.", "cat"), "a photo of a cat.");
    assert.equal(fillTemplate("a {c} and a {c}", "dog"), "a dog and a dog");
    assert.throws(() => fillTemplate("no placeholder", "x"), UsageError);
  });

  it("inserts a label literally ($ patterns and braces in it are not expanded)", () => {
    assert.equal(fillTemplate("a photo of a {}.", "US$$ bill"), "a photo of a US$$ bill.");
    assert.equal(fillTemplate("a {} x", "$&$`"), "a $&$` x");
    assert.equal(fillTemplate("a {} and {c}", "{c}"), "a {c} and {c}");
  });

  it("reads lists and CLIP_benchmark maps", () => {
    assert.deepEqual(templatesFromJson(["a {}."]), ["a {}."]);
    const map = { cifar10: ["a photo of a {c}."], cars: ["a photo of a {c}, a type of car."] };
    assert.deepEqual(templatesFromJson(map, "cifar10"), ["a photo of a {c}."]);
    assert.throws(() => templatesFromJson(map), /pick one with a key/);
    assert.throws(() => templatesFromJson(map, "nope"), /no key/);
    assert.throws(() => templatesFromJson([]), UsageError);
  });
});

describe("class texts", () => {
  it("descriptions first, then templates (CuPL+e)", () => {
    const texts = classTexts(["cat"], {
      templates: ["a photo of a {}."],
      descriptions: { cat: ["A cat is furry."] },
    });
    assert.deepEqual(texts, [["A cat is furry.", "a photo of a cat."]]);
  });

  it("a label without descriptions is an error naming it, unless allowed", () => {
    const src = { templates: ["a {}."], descriptions: { cat: ["A cat."] } };
    assert.throws(() => classTexts(["cat", "dog"], src), /"dog"/);
    const warnings: string[] = [];
    const texts = classTexts(["cat", "dog"], {
      ...src,
      allowMissing: true,
      onWarning: (w) => warnings.push(w),
    });
    assert.deepEqual(texts[1], ["a dog."]);
    assert.match(warnings[0], /dog/);
  });

  it("without templates, a label without descriptions falls back to CLIP's default prompt", () => {
    const warnings: string[] = [];
    const texts = classTexts(["cat", "dog"], {
      descriptions: { cat: ["A cat."] },
      allowMissing: true,
      onWarning: (w) => warnings.push(w),
    });
    assert.deepEqual(texts, [["A cat."], ["a photo of a dog."]]);
    assert.match(warnings[0], /"dog".*a photo of a \{\}\./);
  });

  it("a label named like an Object.prototype member has no descriptions of its own", () => {
    const src = { templates: ["a {}."], descriptions: { cat: ["A cat."] } };
    assert.throws(() => classTexts(["cat", "constructor"], src), /"constructor"/);
    const texts = classTexts(["cat", "toString"], { ...src, allowMissing: true });
    assert.deepEqual(texts[1], ["a toString."]);
  });
});
