import type { Command } from "commander";
import { IndexQueue } from "../queue/index-queue.js";
import { parseRedisUrl } from "../queue/redis.js";
import { modelIdentity } from "../store/identity.js";
import { storeScheme } from "../store/open.js";
import { PostgresStore } from "../store/postgres.js";
import type { StoreIdentity } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import type { ModelFlags } from "./common.js";
import { openStoreModel, type StoreModel } from "./store-common.js";

/** A shared store bound to the model, and the store's queue: what a submitter and a worker use. */
export interface QueuedStore {
  opened: StoreModel;
  store: PostgresStore;
  identity: StoreIdentity;
  queue: IndexQueue;
  close(): Promise<void>;
}

/**
 * Open `--store` (it must be a postgres:// URL: `needsShared` says why otherwise), load the model
 * (the store's by default), bind the store to its identity (another model is a `ModelError`) and
 * connect to the store's queue on `--queue`.
 */
export async function openQueuedStore(
  flags: ModelFlags & { store: string; queue: string },
  cmd: Command,
  opts: { exifOrientation: (stored: StoreIdentity | undefined) => boolean; needsShared: string },
): Promise<QueuedStore> {
  // Both locations are checked before anything is opened, created or loaded.
  const scheme = storeScheme(flags.store);
  if (scheme !== "postgres" && scheme !== "postgresql") throw new UsageError(opts.needsShared);
  parseRedisUrl(flags.queue);
  const opened = await openStoreModel(flags.store, flags, cmd, { readonly: false });
  try {
    const store = opened.store;
    if (!(store instanceof PostgresStore)) throw new UsageError(opts.needsShared);
    const identity = await modelIdentity(opened.model, {
      name: opened.name,
      exifOrientation: opts.exifOrientation(opened.identity),
    });
    await store.bind(identity);
    const queue = await IndexQueue.connect(flags.queue, await store.id());
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
