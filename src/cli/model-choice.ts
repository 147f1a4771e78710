/** Flags → the requests' shared parts: the model request and the image settings. */
import type { Command } from "commander";
import type { ModelRequest } from "../app/model.js";
import type { ImageSettingsInput } from "../image/settings.js";
import type { ModelFlags } from "./common.js";

/** Whether the user gave `--<flag>` (not a default). */
export function given(cmd: Command | undefined, key: string): boolean {
  return cmd?.getOptionValueSource(key) === "cli";
}

/**
 * The model flags as a request's `ModelRequest`; `--dtype` only when given, so that a use case
 * with a store or an adapter takes its dtype.
 */
export function modelRequest(flags: ModelFlags, cmd?: Command): ModelRequest {
  return {
    name: flags.model,
    dtype: cmd === undefined || given(cmd, "dtype") ? flags.dtype : undefined,
    threads: flags.threads,
    preprocessWorkers: flags.preprocessWorkers ?? flags.workers,
    device: flags.device,
    logitScale: flags.logitScale,
    logitBias: flags.logitBias,
    revision: flags.revision,
    offline: flags.offline,
  };
}

/** Model download and resolution messages on stderr. */
export function printMessage(line: string): void {
  process.stderr.write(`zeroclip: ${line}\n`);
}

/**
 * `--no-exif-orientation` and `--max-pixels` as image settings; EXIF orientation only when given,
 * so that a use case with a store takes the store's setting.
 */
export function imageSettingsInput(
  flags: { exifOrientation: boolean; maxPixels: number },
  cmd?: Command,
): ImageSettingsInput {
  return {
    exifOrientation:
      cmd === undefined || given(cmd, "exifOrientation") ? flags.exifOrientation : undefined,
    maxPixels: flags.maxPixels,
  };
}
