/**
 * Models by name from the Hugging Face Hub: download into the shared hub cache
 * (huggingface_hub's layout), resume, verify, offline use. See docs/models.md.
 */
export { RepoCache } from "./cache.js";
export { type CachedModel, listCachedModels } from "./list.js";
export { acquireLock, type Lock } from "./lock.js";
export { bytes, type DownloadBar, downloadProgress } from "./progress.js";
export { DEFAULT_ENDPOINT, type HubOptions, hubSettings } from "./settings.js";
export {
  fetchHubModel,
  type HubModelOptions,
  type HubSnapshot,
  isRepoId,
} from "./snapshot.js";
