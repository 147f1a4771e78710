/**
 * Opening a store with the model its embeddings came from: the requested model, else the
 * store's own model and dtype (as `openModel`'s fallback), else the defaults. Kept apart from
 * model.ts so that commands without a store load no store engine.
 */
import { resolve } from "node:path";
import type { ClipModel } from "../model/clip-model.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import { assertStoreModel } from "../store/identity.js";
import { openStore } from "../store/open.js";
import type { StoreIdentity, VectorStore } from "../store/types.js";
import type { UseCaseEvents } from "./events.js";
import { type ModelRequest, openModel } from "./model.js";
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
 * Open the store at `location` and load the model (`openModel`): the requested one when named,
 * else the store's own model and dtype, else the defaults. For reading (`readonly`), a model
 * other than the store's is a `ModelError`; for indexing, the store checks it when it is bound.
 */
export async function openStoreModel(
  location: string,
  req: ModelRequest = {},
  opts: { readonly: boolean },
  events: Pick<UseCaseEvents, "onMessage"> = {},
): Promise<StoreModel> {
  const store = await openStore(location, { readonly: opts.readonly });
  try {
    const identity = await store.identity();
    const name = req.name ?? identity?.model ?? DEFAULT_MODEL;
    const made = identity && { name: identity.model, dtype: identity.dtype };
    const model = await openModel({ ...req, name }, made, events);
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
