/** `--store` with the model flags, for the commands that read a store (the rule is src/app/open.ts). */
import type { Command } from "commander";
import { openStoreModel as openStore, type StoreModel } from "../app/store-model.js";
import type { ModelFlags } from "./common.js";
import { modelRequest, printMessage } from "./model-choice.js";

export type { StoreModel };

/**
 * Open `--store` and load the model: `--model` / `--dtype` when given, else the store's own
 * model and dtype, else the defaults (see `openStoreModel` in src/app/open.ts).
 */
export function openStoreModel(
  location: string,
  flags: ModelFlags,
  cmd: Command,
  opts: { readonly: boolean },
): Promise<StoreModel> {
  return openStore(location, modelRequest(flags, cmd), opts, { onMessage: printMessage });
}
