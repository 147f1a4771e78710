/**
 * The embed use case, behind `zeroclip embed` and `POST /v1/embeddings`: projected,
 * L2-normalized embeddings of texts or of images. It opens and closes the model and fills the
 * defaults (texts: the text encoder's batch of 64; images: `batchSize` per encoder call, decoded
 * per one resolved `ImageSettings`). The server shares `embedTextInputs` and `embedImageInputs`,
 * with its batcher as the `ImageEmbedder`.
 */
import { type ImageSettingsInput, resolveImageSettings } from "../image/settings.js";
import type { ImageSource } from "../image/source.js";
import type { ClipModel } from "../model/clip-model.js";
import { sourceName } from "../model/image-pipeline.js";
import { type InputFailure, UsageError } from "../util/errors.js";
import type { UseCaseEvents } from "./events.js";
import { expandImageSources, type ImageEmbedder, modelImageEmbedder } from "./images.js";
import { type ModelRequest, openModel } from "./model.js";

export interface EmbedRequest {
  /** Texts to embed (give texts or images, not both). */
  texts?: readonly string[];
  /** Image files, folders (searched recursively), URLs or bytes. */
  images?: readonly ImageSource[];
  /** The model (default `DEFAULT_MODEL`, fp32). */
  model?: ModelRequest;
  /** How image bytes become pixels (see `resolveImageSettings` for the defaults). */
  image?: ImageSettingsInput;
  /** Images per encoder call (default 16). */
  batchSize?: number;
}

/** One input's embedding, or why it has none (images only). */
export type EmbedResult =
  | { input: string; embedding: Float32Array; error?: undefined }
  | ({ input: string; embedding?: undefined } & InputFailure);

export interface EmbedOutcome {
  modality: "text" | "image";
  /** One result per input, in input order (folders expanded). */
  results: EmbedResult[];
  /** Inputs that got an error record. */
  failed: number;
  /** Token ids fed to the text encoder (start and end tokens included, after truncation). */
  promptTokens: number;
}

export interface EmbedEvents extends UseCaseEvents {
  /** Each image's result in input order, as soon as its batch is done (texts: at the end). */
  onResult?: (result: EmbedResult, index: number) => void;
}

/** Texts → embeddings, with the token count of every text (the server's `usage`). */
export async function embedTextInputs(
  model: Pick<ClipModel, "embedTexts">,
  texts: readonly string[],
  opts: { signal?: AbortSignal } = {},
): Promise<{ embeddings: Float32Array[]; promptTokens: number }> {
  const tokens = new Map<string, number>();
  // Tokenized once, counted on the way; stops between chunks once `signal` aborts.
  const embeddings = await model.embedTexts(texts, {
    signal: opts.signal,
    onTokenized: (t, n) => tokens.set(t, n),
  });
  let promptTokens = 0;
  for (const t of texts) promptTokens += tokens.get(t) ?? 0;
  return { embeddings, promptTokens };
}

/** Images → embeddings through `embed`; a bad image is an error record, the others go on. */
export async function embedImageInputs(
  embed: ImageEmbedder,
  sources: readonly ImageSource[],
  events: Pick<EmbedEvents, "onResult" | "onProgress"> = {},
): Promise<EmbedResult[]> {
  const results = new Array<EmbedResult>(sources.length);
  await embed(sources, {
    onProgress: (done, total) =>
      events.onProgress?.({ stage: "images", unit: "images", done, total }),
    onResult: (o, i) => {
      const input = sourceName(sources[i], i);
      results[i] =
        o.error !== undefined
          ? { input, code: o.code, error: o.error }
          : { input, embedding: o.embedding };
      events.onResult?.(results[i], i);
    },
  });
  return results;
}

/** Run an embed request from start to end (see the module comment). */
export async function embed(req: EmbedRequest, events: EmbedEvents = {}): Promise<EmbedOutcome> {
  const texts = req.texts ?? [];
  const images = req.images ?? [];
  if (texts.length === 0 && images.length === 0) {
    throw new UsageError("nothing to embed: give --text, --texts-file or --image");
  }
  if (texts.length > 0 && images.length > 0) {
    throw new UsageError("embed texts or images, not both at once");
  }
  const sources = images.length > 0 ? await expandImageSources(images) : [];
  const model = await openModel(req.model, undefined, events);
  try {
    if (texts.length > 0) {
      const { embeddings, promptTokens } = await embedTextInputs(model, texts);
      const results = texts.map((input, i) => ({ input, embedding: embeddings[i] }));
      for (const [i, r] of results.entries()) events.onResult?.(r, i);
      return { modality: "text", results, failed: 0, promptTokens };
    }
    const embedder = modelImageEmbedder(model, resolveImageSettings(req.image), req.batchSize);
    const results = await embedImageInputs(embedder, sources, events);
    const failed = results.filter((r) => r.error !== undefined).length;
    return { modality: "image", results, failed, promptTokens: 0 };
  } finally {
    await model.dispose();
  }
}
