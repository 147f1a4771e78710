import { Command, Option } from "commander";
import { DTYPES, type Dtype } from "../model/files.js";
import { fetchHubModel } from "../model/hub/index.js";
import { DEFAULT_MODEL } from "../model/resolve.js";

interface PullFlags {
  dtype: Dtype;
  revision?: string;
  offline?: boolean;
}

export function pullCommand(): Command {
  const cmd = new Command("pull")
    .description("download a model from the Hugging Face Hub into the shared cache")
    .argument("[model]", `hub repo id (default ${DEFAULT_MODEL})`)
    .addOption(
      new Option("--dtype <dtype>", "model precision to download")
        .choices(DTYPES as Dtype[])
        .default("fp32"),
    )
    .option("--revision <rev>", "hub revision: branch, tag or commit (default main)")
    .option("--offline", "only check that the model is cached (also HF_HUB_OFFLINE=1)");
  cmd.addHelpText(
    "after",
    `
Examples:
  zeroclip pull                                   # ${DEFAULT_MODEL}, fp32
  zeroclip pull Xenova/clip-vit-base-patch16 --dtype q8
  zeroclip pull Xenova/clip-vit-base-patch32 --revision <commit>   # pin an exact version
  HF_TOKEN=hf_... zeroclip pull my-org/private-clip

Prints the model directory (the snapshot in the hub cache) on stdout.
Cache: $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
~/.cache/huggingface/hub (shared with Python).
Exit codes: 0 cached, 3 model error (unknown repo, missing dtype, not CLIP), 4 network error.`,
  );
  cmd.action(async (model: string | undefined, flags: PullFlags) => {
    const repo = model ?? DEFAULT_MODEL;
    const snap = await fetchHubModel(repo, {
      dtype: flags.dtype,
      revision: flags.revision,
      offline: flags.offline,
      onMessage: (line) => process.stderr.write(`${line}\n`),
    });
    const what = `${snap.repo}@${snap.commit.slice(0, 10)} (${snap.dtype})`;
    process.stderr.write(
      snap.downloaded.length > 0
        ? `downloaded ${snap.downloaded.length} files of ${what}\n`
        : `${what} is cached\n`,
    );
    if (snap.scalars.problem) process.stderr.write(`note: ${snap.scalars.problem}\n`);
    process.stdout.write(`${snap.dir}\n`);
  });
  return cmd;
}
