import { resolve } from "node:path";
import type { Command } from "commander";
import type { ClipModel } from "../model/clip-model.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import { assertStoreModel } from "../store/identity.js";
import { openStore } from "../store/open.js";
import type { StoreIdentity, VectorStore } from "../store/types.js";
import { loadModel, type ModelFlags } from "./common.js";

/** A store and the model it holds embeddings of. */
export interface StoreModel {
  store: VectorStore;
  model: ClipModel;
  /** How the model is named in the store: the hub repo id, or its directory. */
  name: string;
  /** The identity recorded in the store (undefined for a new store). */
  identity: StoreIdentity | undefined;
  close(): Promise<void>;
}

/**
 * Open `--store` and load the model: `--model` / `--dtype` when given, else the store's own
 * model and dtype, else the defaults. For reading (`readonly`), a model other than the store's is
 * a `ModelError`; for indexing, `indexImages` checks it when it binds the store.
 */
export async function openStoreModel(
  location: string,
  flags: ModelFlags,
  cmd: Command,
  opts: { readonly: boolean },
): Promise<StoreModel> {
  const store = await openStore(location, { readonly: opts.readonly });
  try {
    const identity = await store.identity();
    const given = flags.model;
    const dtypeGiven = cmd.getOptionValueSource("dtype") === "cli";
    const model = await loadModel({
      ...flags,
      model: given ?? identity?.model ?? DEFAULT_MODEL,
      dtype: dtypeGiven || !identity ? flags.dtype : (identity.dtype as ModelFlags["dtype"]),
    });
    const name = given === undefined ? (identity?.model ?? DEFAULT_MODEL) : given;
    const stored = resolve(name) === model.dir ? model.dir : name;
    try {
      if (opts.readonly) await assertStoreModel(store, model, stored);
    } catch (err) {
      await model.dispose();
      throw err;
    }
    return {
      store,
      model,
      name: stored,
      identity,
      close: async () => {
        await model.dispose();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
