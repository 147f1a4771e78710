/**
 * Opening what the use cases work on, with every default in one place: the model (a request's
 * `ModelChoice`), a store and the model it holds embeddings of, a shared store and its queue.
 * Each opener closes what it opened when a later step fails; the caller closes the result.
 */
import { resolve } from "node:path";
import { ClipModel, type LoadOptions } from "../model/clip-model.js";
import { DEFAULT_MODEL } from "../model/resolve.js";
import { IndexQueue } from "../queue/index-queue.js";
import { parseRedisUrl } from "../queue/redis.js";
import { assertStoreModel, modelIdentity } from "../store/identity.js";
import { openStore, storeScheme } from "../store/open.js";
import { PostgresStore } from "../store/postgres.js";
import type { StoreIdentity, VectorStore } from "../store/types.js";
import { UsageError } from "../util/errors.js";

/**
 * Which model to load and how. `name`: a model directory or hub repo id; `dtype`: its
 * precision. Left out, both are the store's (for a use case with a store that has a model), else
 * `DEFAULT_MODEL` and fp32.
 */
export interface ModelChoice extends LoadOptions {
  name?: string;
}

/** Load the chosen model (`DEFAULT_MODEL`, fp32 unless chosen otherwise). */
export function loadChosenModel(choice: ModelChoice = {}): Promise<ClipModel> {
  const { name, ...opts } = choice;
  return ClipModel.load(name ?? DEFAULT_MODEL, { ...opts, dtype: opts.dtype ?? "fp32" });
}

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
 * Open the store at `location` and load the model: the chosen one when given, else the store's
 * own model and dtype, else the defaults. For reading (`readonly`), a model other than the
 * store's is a `ModelError`; for indexing, the store checks it when it is bound.
 */
export async function openStoreModel(
  location: string,
  choice: ModelChoice = {},
  opts: { readonly: boolean },
): Promise<StoreModel> {
  const store = await openStore(location, { readonly: opts.readonly });
  try {
    const identity = await store.identity();
    const name = choice.name ?? identity?.model ?? DEFAULT_MODEL;
    const model = await loadChosenModel({
      ...choice,
      name,
      dtype: choice.dtype ?? (identity?.dtype as LoadOptions["dtype"]) ?? "fp32",
    });
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
  choice: ModelChoice,
  opts: { exifOrientation?: boolean; needsShared: string },
): Promise<QueuedStore> {
  // Both locations are checked before anything is opened, created or loaded.
  const scheme = storeScheme(location);
  if (scheme !== "postgres" && scheme !== "postgresql") throw new UsageError(opts.needsShared);
  parseRedisUrl(queueUrl);
  const opened = await openStoreModel(location, choice, { readonly: false });
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
