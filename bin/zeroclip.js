#!/usr/bin/env node
import { main } from "../dist/src/cli/main.js";

// A closed pipe (e.g. `zeroclip ... | head`) ends the run quietly.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 70;
  },
);
