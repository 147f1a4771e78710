/**
 * Labelled image sets read from a store (`zeroclip eval --store`): either every stored image,
 * labelled by the name of the folder that holds it, or a dataset (folder or list) whose images
 * are looked up in the store. Either way no image is read: the embeddings come from the store.
 */
import { basename, dirname, resolve } from "node:path";
import type { ImagePassResult } from "../cache/image-pass.js";
import type { TextEmbedder } from "../classify/class-embeddings.js";
import type { Classnames } from "../dataset/classnames.js";
import { resolveClassnames } from "../dataset/classnames.js";
import { type Dataset, type LabelledImage, listDataset, loadDataset } from "../dataset/dataset.js";
import { type EvalResult, type EvaluateOptions, evaluateEmbedded } from "../eval/evaluate.js";
import type { PromptStrategy } from "../eval/strategies.js";
import { isHttpUrl } from "../image/source.js";
import type { ImageEmbedResult } from "../model/image-pipeline.js";
import { UsageError } from "../util/errors.js";
import { storedFailure } from "./select.js";
import type { StoredInfo, VectorStore } from "./types.js";

/** The folder name an input's label comes from: its parent folder (URLs: parent path segment). */
export function folderLabel(input: string): string {
  if (isHttpUrl(input)) {
    const parts = new URL(input).pathname.split("/").filter(Boolean);
    return decodeURIComponent(parts.at(-2) ?? new URL(input).host);
  }
  return basename(dirname(input));
}

/** Every stored input as a dataset labelled by folder names, in store order. */
export async function storedDataset(
  store: Pick<VectorStore, "list" | "location">,
  classnames?: Classnames,
): Promise<Dataset> {
  const records: { path: string; label: string }[] = [];
  for await (const page of store.list()) {
    for (const info of page) records.push({ path: info.input, label: folderLabel(info.input) });
  }
  if (records.length === 0) throw new UsageError(`${store.location} holds no images`);
  const raw = listDataset("folder", records, "/");
  const classes = resolveClassnames(raw.ids, classnames, false);
  const index = new Map(classes.ids.map((id, i) => [id, i]));
  const items = raw.entries.map((e) => ({ path: e.path, label: index.get(e.id)! }));
  return { source: store.location, format: "folder", classes, items };
}

/** A dataset whose paths are absolute (the store keys files by absolute path). */
export async function loadDatasetForStore(
  source: string,
  classnames?: Classnames,
): Promise<Dataset> {
  const ds = await loadDataset(source, classnames);
  return { ...ds, items: ds.items.map((i) => ({ ...i, path: absolute(i.path) })) };
}

function absolute(p: string): string {
  return isHttpUrl(p) ? p : resolve(p);
}

/**
 * The images' embeddings from the store, as an image pass would give them: an embedding, or the
 * error of an image that failed when it was indexed or was never indexed.
 */
export async function storedImagePass(
  store: Pick<VectorStore, "get" | "list" | "location">,
  images: readonly LabelledImage[],
): Promise<ImagePassResult> {
  const results = new Array<ImageEmbedResult>(images.length);
  const missing: number[] = [];
  for (let start = 0; start < images.length; start += 1024) {
    const slice = images.slice(start, start + 1024).map((i) => absolute(i.path));
    const found = await store.get(slice);
    slice.forEach((input, k) => {
      const e = found.get(input);
      if (e) results[start + k] = { input: images[start + k].path, embedding: e };
      else missing.push(start + k);
    });
  }
  if (missing.length > 0) {
    const infos = new Map<string, StoredInfo>();
    for await (const page of store.list()) for (const info of page) infos.set(info.input, info);
    for (const i of missing) {
      const input = absolute(images[i].path);
      const failure = storedFailure({ input, info: infos.get(input) }, store.location);
      results[i] = { input: images[i].path, ...failure };
    }
  }
  return {
    results,
    computed: 0,
    cached: images.length - missing.length,
    failed: missing.length,
  };
}

/** The dataset of `eval --store`: the given dataset's images, or every stored image. */
export function storeDataset(
  store: Pick<VectorStore, "list" | "location">,
  source: string | undefined,
  classnames?: Classnames,
): Promise<Dataset> {
  return source === undefined
    ? storedDataset(store, classnames)
    : loadDatasetForStore(source, classnames);
}

/** `evaluateStrategies` with the embeddings read from a store instead of an image pass. */
export async function evaluateStored(
  model: TextEmbedder,
  store: Pick<VectorStore, "get" | "list" | "location">,
  dataset: Pick<Dataset, "classes">,
  images: readonly LabelledImage[],
  strategies: readonly PromptStrategy[],
  opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const pass = await storedImagePass(store, images);
  opts.onStage?.("images-done");
  return evaluateEmbedded(model, dataset, images, strategies, pass, opts);
}
