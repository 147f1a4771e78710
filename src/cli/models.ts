import { Command } from "commander";
import { bytes, listCachedModels } from "../model/hub/index.js";
import { hubSettings } from "../model/hub/settings.js";
import { addFormatOption } from "./common.js";
import { defaultFormat, type Format, formatTable, printRecords } from "./output.js";

export function modelsCommand(): Command {
  const cmd = new Command("models").description(
    "list the CLIP models in the Hugging Face hub cache, with revisions, dtypes and sizes",
  );
  addFormatOption(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip models
  zeroclip models --format json
  HF_HUB_CACHE=/data/hf-cache zeroclip models --format jsonl

Output (jsonl): {"repo": "...", "commit": "...", "refs": ["main"], "dtypes": ["fp32"],
                 "bytes": 605000000, "dir": "..."} per cached snapshot.
Cache: $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
~/.cache/huggingface/hub (shared with Python).`,
  );
  cmd.action(async (flags: { format?: Format }) => {
    const cacheDir = hubSettings().cacheDir;
    const models = await listCachedModels(cacheDir);
    const format = flags.format ?? defaultFormat();
    if (format !== "table") {
      printRecords(
        models.map((m) => ({
          repo: m.repo,
          commit: m.commit,
          refs: m.refs,
          dtypes: m.dtypes,
          bytes: m.bytes,
          dir: m.dir,
        })),
        format,
      );
      return;
    }
    if (models.length === 0) {
      process.stderr.write(`no CLIP models in ${cacheDir}\n`);
      return;
    }
    process.stdout.write(
      formatTable(
        ["model", "revision", "dtypes", "size", "directory"],
        models.map((m) => [
          m.repo,
          [...m.refs, m.commit.slice(0, 10)].join(" "),
          m.dtypes.join(",") || "-",
          bytes(m.bytes),
          m.dir,
        ]),
      ),
    );
  });
  return cmd;
}
