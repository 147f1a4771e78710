/**
 * The classify use case, behind `zeroclip classify` (every variant: files, `--store`,
 * `--adapter`, `--transductive`, `--explain`) and `POST /v1/classify`. One typed request in,
 * typed results out; it opens and closes the model, the store and the adapter, and fills every
 * default: the store's or the adapter's model and dtype, the family's default template, the
 * image settings (resolved once and used for every image).
 *
 * `classifyImages` is the step the server shares: images embedded by an `ImageEmbedder` (the
 * model's pipeline here, the server's batcher there) scored by one `predict`.
 */
import type {
  ClassifyResult,
  EmbeddingPredictor,
  ZeroShotClassifier,
} from "../classify/classifier.js";
import type { EmbeddedInput } from "../classify/transductive.js";
import { type ImageSettingsInput, resolveImageSettings } from "../image/settings.js";
import type { ImageSource } from "../image/source.js";
import type { ClipModel } from "../model/clip-model.js";
import { sourceName } from "../model/image-pipeline.js";
import { classifyStored, storedEmbeddings } from "../store/classify.js";
import type { VectorStore } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import {
  type ClassesRequest,
  checkAdapterRequest,
  prepareExplanations,
  zeroShotClassifier,
} from "./classify-classes.js";
import type { TransductiveReport } from "./classify-transductive.js";
import type { UseCaseEvents } from "./events.js";
import { expandImageSources, type ImageEmbedder, modelImageEmbedder } from "./images.js";
import { adapterModelDefault, type ModelRequest, openModel } from "./model.js";

/** How each image's predictions are cut and explained. */
export interface ScoreOptions {
  /** Keep the k best labels (default all; scores are over all labels either way). */
  topK?: number;
  /** Drop labels scoring below this (meaningful for SigLIP's independent sigmoids). */
  minScore?: number;
  /** Add to each prediction its label's n texts closest to the image (zero-shot classes only). */
  explain?: number;
}

export interface ClassifyRequest extends ClassesRequest, ScoreOptions {
  /**
   * Image files, folders (searched recursively), URLs or bytes; with `store`, the stored inputs
   * to classify (files or folders; default all of them).
   */
  inputs?: readonly ImageSource[];
  /** Classify the embeddings of a store made by `zeroclip index` (no image is decoded). */
  store?: string;
  /** A few-shot adapter file (`zeroclip adapt`): its classes are the labels. */
  adapter?: string;
  /** Classify the inputs as one set with TransCLIP (zero-shot classes only). */
  transductive?: boolean;
  /** The model (default: the store's, else the adapter's, else `DEFAULT_MODEL`). */
  model?: ModelRequest;
  /** How image bytes become pixels (EXIF on, 100 M pixels, URL caps: see `resolveImageSettings`). */
  image?: ImageSettingsInput;
  /** Images per encoder call (default 16). */
  batchSize?: number;
  /** The class-embedding cache: true (default) = `<zeroclip cache>/class-embeddings`, a directory, or false. */
  cache?: boolean | string;
}

export interface ClassifyEvents extends UseCaseEvents {
  /** Each input's result in input order, as soon as it is known (transductive: at the end). */
  onResult?: (result: ClassifyResult, index: number) => void;
}

export interface ClassifyOutcome {
  /** The classes, in order. */
  labels: readonly string[];
  /** One result per input, in input order. */
  results: ClassifyResult[];
  /** Inputs that got an error record. */
  failed: number;
  /** With `transductive`: how the set went. */
  transductive?: TransductiveReport;
}

/**
 * Score images: each is embedded by `embed` and scored by `predictor` as soon as its batch is
 * done; a bad image gets an error record and the others go on. The server calls this with its
 * batcher, the CLI (through `classify`) with the model's pipeline.
 */
export async function classifyImages(
  predictor: EmbeddingPredictor,
  embed: ImageEmbedder,
  sources: readonly ImageSource[],
  opts: ScoreOptions & Pick<ClassifyEvents, "onResult" | "onProgress"> = {},
): Promise<ClassifyResult[]> {
  const results = new Array<ClassifyResult>(sources.length);
  await embed(sources, {
    onProgress: (done, total) =>
      opts.onProgress?.({ stage: "images", unit: "images", done, total }),
    onResult: (o, i) => {
      const input = sourceName(sources[i], i);
      results[i] =
        o.error !== undefined
          ? { input, code: o.code, error: o.error }
          : {
              input,
              predictions: predictor.predict(o.embedding, opts.topK, opts.minScore, opts.explain),
            };
      opts.onResult?.(results[i], i);
    },
  });
  return results;
}

/** Run a classify request from start to end (see the module comment). */
export async function classify(
  req: ClassifyRequest,
  events: ClassifyEvents = {},
): Promise<ClassifyOutcome> {
  const inputs = req.inputs ?? [];
  if (inputs.length === 0 && !req.store) {
    throw new UsageError("no inputs: give image files, folders or URLs (or --store)");
  }
  if (req.transductive && req.adapter) {
    throw new UsageError("--transductive works on zero-shot classes: drop --adapter");
  }
  // The few-shot code (and its linear algebra) loads only for an adapter.
  const adapt = req.adapter ? await import("../adapt/index.js") : undefined;
  const adapter = adapt && req.adapter ? await adapt.readAdapterFile(req.adapter) : undefined;
  if (adapter) checkAdapterRequest(adapter.adapter.classes, { ...req, ...req.model });
  else if (!req.labels) {
    throw new UsageError('labels are required: --labels "a,b,c" or --labels-file FILE');
  }
  const image = adapter
    ? adapterImageSettings(req.image, adapter.info, events.onWarning)
    : req.image;
  // The store engines (and usearch, for --transductive) load only when asked for.
  const stored = req.store
    ? await (await import("./store-model.js")).openStoreModel(
        req.store,
        req.model,
        { readonly: true },
        events,
      )
    : undefined;
  const model =
    stored?.model ??
    (await openModel(req.model, adapterModelDefault(req.model ?? {}, adapter?.model), events));
  try {
    const classifier =
      adapt && adapter
        ? await adapt.FewShotClassifier.fromAdapter(model, adapter, {
            name: `adapter ${req.adapter}`,
          })
        : await zeroShotClassifier(model, req, { ...events, cache: req.cache });
    const explain = await prepareExplanations(classifier, req.explain, events.onWarning);
    const outcome = await run(classifier, model, { ...req, explain, image }, events, stored?.store);
    const failed = outcome.results.filter((r) => r.error !== undefined).length;
    return { labels: classifier.labels, failed, ...outcome };
  } finally {
    await (stored ? stored.close() : model.dispose());
  }
}

/** The image pass, the store's embeddings, or the transductive set. */
async function run(
  classifier: ZeroShotClassifier,
  model: ClipModel,
  req: ClassifyRequest,
  events: ClassifyEvents,
  store: VectorStore | undefined,
): Promise<{ results: ClassifyResult[]; transductive?: TransductiveReport }> {
  const inputs = req.inputs ?? [];
  const score = { topK: req.topK, minScore: req.minScore, explain: req.explain };
  if (store) {
    const selection = storeSelection(inputs);
    if (!req.transductive) {
      const results = await classifyStored(classifier, store, {
        ...score,
        inputs: selection,
        onResult: events.onResult,
      });
      return { results };
    }
    const started = Date.now();
    const embedded = await storedEmbeddings(store, selection);
    return transduce(classifier, embedded, req, events, {
      source: `read from ${store.location}`,
      started,
    });
  }
  const sources = await expandImageSources(inputs);
  const embed = modelImageEmbedder(model, resolveImageSettings(req.image), req.batchSize);
  if (!req.transductive) {
    return { results: await classifyImages(classifier, embed, sources, { ...score, ...events }) };
  }
  const started = Date.now();
  const embedded: EmbeddedInput[] = (
    await embed(sources, {
      onProgress: (d, t) =>
        events.onProgress?.({ stage: "images", unit: "images", done: d, total: t }),
    })
  ).map((o, i) => ({ ...o, input: sourceName(sources[i], i) }));
  return transduce(classifier, embedded, req, events, { source: "embedded", started });
}

async function transduce(
  classifier: ZeroShotClassifier,
  embedded: readonly EmbeddedInput[],
  req: ClassifyRequest,
  events: ClassifyEvents,
  phase: { source: string; started: number },
): Promise<{ results: ClassifyResult[]; transductive: TransductiveReport }> {
  const { classifySet } = await import("./classify-transductive.js");
  const { results, report } = await classifySet(classifier, embedded, req, events, phase);
  for (const [i, r] of results.entries()) events.onResult?.(r, i);
  return { results, transductive: report };
}

/**
 * An adapter records the EXIF setting its support images were decoded with (`zeroclip adapt`):
 * it is the default for the images classified with it, so queries and support embeddings are
 * made alike; a contrary setting given is kept, with a warning.
 */
export function adapterImageSettings(
  given: ImageSettingsInput | undefined,
  info: Readonly<Record<string, string>>,
  onWarning?: (message: string) => void,
): ImageSettingsInput | undefined {
  const recorded = info.exif_orientation;
  if (recorded !== "true" && recorded !== "false") return given;
  const exif = recorded === "true";
  if (given?.exifOrientation === undefined) return { ...given, exifOrientation: exif };
  if (given.exifOrientation !== exif) {
    onWarning?.(
      `the adapter's support images were decoded with EXIF orientation ${exif ? "applied" : "ignored"}; these images are decoded with it ${given.exifOrientation ? "applied" : "ignored"}, as asked`,
    );
  }
  return given;
}

/** A store's selection is named by paths or URLs, never bytes. */
function storeSelection(inputs: readonly ImageSource[]): string[] {
  if (inputs.some((i) => typeof i !== "string")) {
    throw new UsageError("a store's inputs are selected by path or URL, not by bytes");
  }
  return inputs as string[];
}
