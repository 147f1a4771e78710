// Preloaded by `node scripts/test.mjs --count-asserts` (NODE_OPTIONS=--import): counts the calls
// of `node:assert/strict` methods a process makes and appends "<pid> <count>" to
// $ZEROCLIP_ASSERT_COUNT_FILE on exit. (Bare `assert(x)` calls cannot be wrapped from outside;
// `node scripts/count-asserts.mjs --static` counts every assert call in test/ sources instead.)

import assert from "node:assert/strict";
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

if (
  process.argv[1] &&
  import.meta.url.endsWith(process.argv[1].split(/[\\/]/).pop()) &&
  process.argv.includes("--static")
) {
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".ts") ? [join(d, e.name)] : [],
    );
  let n = 0;
  for (const f of walk("test"))
    n += (readFileSync(f, "utf8").match(/\bassert(\.\w+)?\(/g) ?? []).length;
  console.log(`assert calls in test/ sources: ${n}`);
} else {
  let n = 0;
  for (const k of Object.keys(assert)) {
    const f = assert[k];
    if (
      typeof f !== "function" ||
      k === "AssertionError" ||
      k === "strict" ||
      k === "CallTracker"
    ) {
      continue;
    }
    assert[k] = function counted(...args) {
      n++;
      return f.apply(this, args);
    };
  }
  const out = process.env.ZEROCLIP_ASSERT_COUNT_FILE;
  if (out) {
    process.on("exit", () => {
      if (n > 0) appendFileSync(out, `${process.pid} ${n}\n`);
    });
  }
}
