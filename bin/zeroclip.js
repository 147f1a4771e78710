#!/usr/bin/env node
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// dist/ is the build; .dist-prev/ is the previous one, present only if a build was killed in
// the middle of swapping a new dist/ into place (scripts/build.mjs).
const entry = ["dist", ".dist-prev"]
  .map((d) => new URL(`../${d}/src/cli/main.js`, import.meta.url))
  .find((u) => existsSync(fileURLToPath(u)));
if (!entry) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  process.stderr.write(`zeroclip: not built: run \`npm run build\` in ${root}\n`);
  process.exit(70);
}

// A closed pipe (e.g. `zeroclip ... | head`) ends the run quietly.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const { main } = await import(entry.href);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 70;
  },
);
