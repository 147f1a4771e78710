/**
 * The DOM-free parts of the browser code (src/browser/page/parse.ts, src/browser/report/
 * format.ts), run in Node against hand-written expectations: how typed class names and loaded
 * class-list files are read, the report's number formats, and which classes a large confusion
 * heatmap keeps.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listsFromFile, parseLabels, parseLines } from "../../src/browser/page/parse.js";
import {
  color,
  HEATMAP_MAX_CLASSES,
  pct,
  shade,
  shownClasses,
} from "../../src/browser/report/format.js";

describe("the page's parsing of class names and list files", () => {
  it("class names: commas on one line, else one per line; blanks dropped", () => {
    assert.deepEqual(parseLabels(" tree frog, tailed frog ,, "), ["tree frog", "tailed frog"]);
    assert.deepEqual(parseLabels("a, b\r\n\nc d\n"), ["a, b", "c d"]);
    assert.deepEqual(parseLabels("   "), []);
    assert.deepEqual(parseLines("a photo of a {}.\n\n  a {}.  \r\n"), [
      "a photo of a {}.",
      "a {}.",
    ]);
  });

  it("list files: a JSON list, an {id: name} map, a {set: list} map, or lines", () => {
    assert.deepEqual(listsFromFile('["cat", 2]'), { "": ["cat", "2"] });
    assert.deepEqual(listsFromFile('{"0": "cat", "1": "dog"}'), { "": ["cat", "dog"] });
    assert.deepEqual(listsFromFile('{"cifar10": ["a", "b"], "note": 3, "pets": ["c"]}'), {
      cifar10: ["a", "b"],
      pets: ["c"],
    });
    assert.deepEqual(listsFromFile("# classes\ncat\n\n dog \r\n#x\n"), { "": ["cat", "dog"] });
    assert.throws(() => listsFromFile("[not json"), SyntaxError);
  });
});

describe("the report's formats and heatmap classes", () => {
  it("percentages, colours and shades", () => {
    assert.equal(pct(0.12345), "12.3%");
    assert.equal(pct(0.12345, 2), "12.35%");
    assert.equal(pct(1, 0), "100%");
    assert.equal(pct(null), "n/a");
    assert.equal(pct(undefined, 2), "n/a");
    assert.equal(color(0), "#4e79a7");
    assert.equal(color(10), color(0));
    assert.equal(shade(0), "hsl(212, 70%, 97%)");
    assert.equal(shade(1), "hsl(212, 70%, 35%)");
  });

  it("a small matrix keeps every class; a large one the classes with the most errors", () => {
    assert.deepEqual(shownClasses([[1]], 3), [0, 1, 2]);
    const n = HEATMAP_MAX_CLASSES + 5;
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) m[i][i] = 50; // correct predictions never count
    // Errors touch classes 44 (3 + 1), 43 (3), 7 (2 + 1), 2 (1) and 30 (1); the other 40 none.
    m[44][43] = 3;
    m[7][44] = 1;
    m[7][2] = 1;
    m[30][7] = 1;
    const shown = shownClasses(m, n);
    assert.equal(shown.length, HEATMAP_MAX_CLASSES);
    // The 5 with errors, then ties (0 errors) by index: 0, 1, 3, 4, ... up to 40 classes.
    const zeros = [...Array(n).keys()].filter((c) => ![2, 7, 30, 43, 44].includes(c));
    const want = [2, 7, 30, 43, 44, ...zeros.slice(0, HEATMAP_MAX_CLASSES - 5)].sort(
      (a, b) => a - b,
    );
    assert.deepEqual(shown, want);
    assert.ok(!shown.includes(42) && shown.includes(44));
  });
});
