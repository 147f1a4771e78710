/**
 * Opening a store for reading with the model its embeddings came from (the request's model,
 * else the store's; another model than the store's is a `ModelError`). Kept apart from
 * model.ts so that commands without a store load no store engine.
 */
import { resolve } from "node:path";
import type { ClipModel } from "../model/clip-model.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import { assertStoreModel } from "../store/identity.js";
import { openStore } from "../store/open.js";
import type { StoreIdentity, VectorStore } from "../store/types.js";
import { type ModelRequest, openModel } from "./model.js";

/** A store and the model it holds embeddings of. */
export interface OpenStoreModel {
  store: VectorStore;
  model: ClipModel;
  /** How the model is named in the store: the hub repo id, or its directory. */
  name: string;
  /** The identity recorded in the store (undefined for a new store). */
  identity: StoreIdentity | undefined;
  close(): Promise<void>;
}

/**
 * Open the store at `location` for reading and load its model (the request's, else the
 * store's); a model other than the store's is a `ModelError`.
 */
export async function openStoreForReading(
  location: string,
  req: ModelRequest = {},
  onMessage?: (line: string) => void,
): Promise<OpenStoreModel> {
  const store = await openStore(location, { readonly: true });
  try {
    const identity = await store.identity();
    const fallback = identity ? { model: identity.model, dtype: identity.dtype } : undefined;
    const model = await openModel(req, fallback, onMessage);
    const named = req.model ?? identity?.model ?? DEFAULT_MODEL;
    const name = resolve(named) === model.dir ? model.dir : named;
    try {
      await assertStoreModel(store, model, name);
    } catch (err) {
      await model.dispose();
      throw err;
    }
    return {
      store,
      model,
      name,
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
