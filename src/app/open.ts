/**
 * Opening a shared store and its queue for the scale-out use cases (the model is opened by
 * model.ts, a store with its model by store-model.ts). Closes what it opened when a later step
 * fails; the caller closes the result.
 */
import { IndexQueue } from "../queue/index-queue.js";
import { parseRedisUrl } from "../queue/redis.js";
import { modelIdentity } from "../store/identity.js";
import { storeScheme } from "../store/open.js";
import { PostgresStore } from "../store/postgres.js";
import type { StoreIdentity } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";
import type { ModelRequest } from "./model.js";
import { openStoreModel, type StoreModel } from "./store-model.js";

/** A shared store bound to the model, and the store's queue: what a submitter and a worker use. */
export interface QueuedStore {
  opened: StoreModel;
  store: PostgresStore;
  identity: StoreIdentity;
  queue: IndexQueue;
  close(): Promise<void>;
}

/**
 * Open the store (a postgres:// URL: `needsShared` says why otherwise), load the model (the
 * store's by default), bind the store to its identity under `exifOrientation` (default: the
 * store's setting, else on; another model or setting is a `ModelError`) and connect to the
 * store's queue at `queueUrl`.
 */
export async function openQueuedStore(
  location: string,
  queueUrl: string,
  model: ModelRequest,
  opts: { exifOrientation?: boolean; needsShared: string },
  events: Pick<UseCaseEvents, "onMessage"> = {},
): Promise<QueuedStore> {
  // Both locations are checked before anything is opened, created or loaded.
  const scheme = storeScheme(location);
  if (scheme !== "postgres" && scheme !== "postgresql") throw new UsageError(opts.needsShared);
  parseRedisUrl(queueUrl);
  const opened = await openStoreModel(location, model, { readonly: false }, events);
  try {
    const store = opened.store;
    if (!(store instanceof PostgresStore)) throw new UsageError(opts.needsShared);
    const identity = await modelIdentity(opened.model, {
      name: opened.name,
      exifOrientation: opts.exifOrientation ?? opened.identity?.exifOrientation,
    });
    await store.bind(identity);
    const queue = await IndexQueue.connect(queueUrl, await store.id());
    return {
      opened,
      store,
      identity,
      queue,
      close: async () => {
        await queue.close();
        await opened.close();
      },
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}
