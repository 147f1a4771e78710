import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parsePreprocessorConfig } from "../image/config.js";
import { defaultPreprocessWorkers, PreprocessPool } from "../image/pool.js";
import type { ImageSource } from "../image/source.js";
import type { PreprocessConfig } from "../image/types.js";
import { type Scoring, scoreLogits, scoreProbabilities } from "../math/scoring.js";
import { l2Normalize } from "../math/vector.js";
import { lengthBuckets } from "../text/batching.js";
import { TextTokenizer } from "../text/tokenizer.js";
import { ModelError } from "../util/errors.js";
import { type ClipConfig, readClipConfig } from "./config.js";
import type { ModelFamily } from "./families/index.js";
import { DTYPES, type Dtype, onnxFiles } from "./files.js";
import { ImageBatcher, type ImageBatcherOptions } from "./image-batcher.js";
import {
  embedImageSources,
  type ImageEmbedOptions,
  type ImageEmbedResult,
} from "./image-pipeline.js";
import { type ResolveOptions, resolveModel } from "./resolve.js";
import { resolveScoring, type ScoringOverrides } from "./scoring.js";
import { OnnxTower, type SessionOptions } from "./session.js";

/** How to load a model. */
export interface LoadOptions extends SessionOptions, ResolveOptions, ScoringOverrides {
  /** Precision: fp32 (default), q8 (dynamic int8, `*_quantized.onnx`) or fp16 (`*_fp16.onnx`). */
  dtype?: Dtype;
  /** Worker threads that read, decode and resize images (default: one per core, at most 4). */
  preprocessWorkers?: number;
}

export interface TextEmbedOptions {
  /** Texts per encoder call (default 64). */
  batchSize?: number;
  /** L2-normalize each embedding (default true). */
  normalize?: boolean;
  /** Called after each batch with the distinct texts encoded so far and their total. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the work between chunks and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called once per distinct text with its token count (start and end tokens included). */
  onTokenized?: (text: string, tokens: number) => void;
}

/**
 * A CLIP-family model (CLIP, SigLIP, SigLIP 2; see `family`): tokenizer, image preprocessing,
 * scoring and the two ONNX towers. Embeddings are the projected ones (`text_embeds` /
 * `image_embeds`, or SigLIP's pooled head outputs), L2-normalized unless asked otherwise.
 */
export class ClipModel {
  private constructor(
    /** The model directory on disk. */
    readonly dir: string,
    readonly dtype: Dtype,
    readonly config: ClipConfig,
    readonly preprocess: PreprocessConfig,
    /** Builds the tokenizer (see `tokenizer`). */
    private readonly makeTokenizer: () => TextTokenizer,
    /**
     * How cosines become probabilities; `undefined` for a sigmoid family whose scale and bias
     * are unknown (no onnx/model.onnx and no override): embeddings work, probabilities throw.
     */
    private readonly knownScoring: Scoring | undefined,
    /** Why `knownScoring` is missing, for the error. */
    private readonly scoringProblem: string,
    private readonly text: LazyTower,
    private readonly vision: LazyTower,
    private readonly preprocessWorkers: number,
  ) {}

  private pool: PreprocessPool | undefined;
  private builtTokenizer: TextTokenizer | undefined;

  /** The tokenizer, built on first use: work on images alone never pays for it (~0.15 s). */
  get tokenizer(): TextTokenizer {
    this.builtTokenizer ??= this.makeTokenizer();
    return this.builtTokenizer;
  }

  /** The model's family: tokenizer policy, preprocessing defaults, ONNX names, scoring. */
  get family(): ModelFamily {
    return this.config.family;
  }

  /** The scoring, or a ModelError saying how to supply the missing scale and bias. */
  get scoring(): Scoring {
    if (!this.knownScoring) throw new ModelError(this.scoringProblem);
    return this.knownScoring;
  }

  /** Scale applied to cosine similarities (CLIP: 100; SigLIP: exp(logit_scale)). */
  get logitScale(): number {
    return this.scoring.scale;
  }

  /** Logits `scale·cos (+ bias)` of one image embedding against L2-normalized class rows. */
  logits(
    imageEmbedding: ArrayLike<number>,
    classEmbeddings: readonly ArrayLike<number>[],
  ): Float64Array {
    return scoreLogits(imageEmbedding, classEmbeddings, this.scoring);
  }

  /** Probabilities as the family scores them (softmax across labels, or sigmoid per label). */
  probabilities(
    imageEmbedding: ArrayLike<number>,
    classEmbeddings: readonly ArrayLike<number>[],
  ): Float64Array {
    return scoreProbabilities(imageEmbedding, classEmbeddings, this.scoring);
  }

  /** Load from a local directory (Transformers.js layout) or a hub repo id. */
  static async load(model: string, opts: LoadOptions = {}): Promise<ClipModel> {
    const dtype = opts.dtype ?? "fp32";
    const { dir, scalars } = await resolveModel(model, { ...opts, dtype });
    const config = await readClipConfig(dir);
    let preprocessJson: unknown;
    try {
      preprocessJson = JSON.parse(await readFile(join(dir, "preprocessor_config.json"), "utf8"));
    } catch (err) {
      throw new ModelError(
        `cannot read preprocessor_config.json in ${dir}: ${(err as Error).message}`,
      );
    }
    const family = config.family;
    const preprocess = parsePreprocessorConfig(preprocessJson, family.preprocess);
    if (!existsSync(join(dir, "tokenizer.json"))) {
      throw new ModelError(
        `cannot read tokenizer.json in ${dir}: no such file`,
        "model_file_missing",
      );
    }
    const tokenizer = () => TextTokenizer.loadSync(dir, config.maxPositions, family.tokenizer);
    const files = onnxFiles(dtype);
    const missing = [files.text, files.vision].filter((f) => !existsSync(join(dir, f)));
    if (missing.length > 0) {
      const have = DTYPES.filter((d) => {
        const f = onnxFiles(d);
        return existsSync(join(dir, f.text)) && existsSync(join(dir, f.vision));
      });
      throw new ModelError(
        `${dir} has no ${missing.join(" or ")} for dtype ${dtype}` +
          (have.length > 0 ? ` (dtypes present: ${have.join(", ")})` : ""),
        "model_file_missing",
      );
    }
    // Sessions open on first use: classifying a folder never loads the text tower twice, and
    // embedding images alone never loads it at all.
    const text = new LazyTower(join(dir, files.text), family.textOutputs, opts);
    const vision = new LazyTower(join(dir, files.vision), family.imageOutputs, opts);
    const { scoring, problem } = await resolveScoring(dir, family, opts, scalars);
    const workers = opts.preprocessWorkers ?? defaultPreprocessWorkers();
    return new ClipModel(
      dir,
      dtype,
      config,
      preprocess,
      tokenizer,
      scoring,
      problem,
      text,
      vision,
      workers,
    );
  }

  /** Embed texts. Identical texts are encoded once; batches group texts of similar length. */
  async embedTexts(texts: readonly string[], opts: TextEmbedOptions = {}): Promise<Float32Array[]> {
    const batchSize = opts.batchSize ?? 64;
    const unique = [...new Set(texts)];
    // Tokenized and encoded in bounded chunks, yielding to the event loop between them, so a
    // long list never holds the thread (a server's other requests, its /health) for long.
    const ids: number[][] = [];
    // 8 texts of 1,000 characters take the tokenizer about 25 ms.
    for (let i = 0; i < unique.length; i += 8) {
      if (i > 0) await yieldToEventLoop();
      opts.signal?.throwIfAborted();
      for (const t of unique.slice(i, i + 8)) {
        const row = this.tokenizer.encode(t);
        ids.push(row);
        opts.onTokenized?.(t, row.length);
      }
    }
    const embeddings = new Array<Float32Array>(unique.length);
    let done = 0;
    for (const batch of lengthBuckets(
      ids.map((r) => r.length),
      batchSize,
    )) {
      // Only the inputs the tower declares are fed (SigLIP's takes no attention mask).
      const { data, mask, width } = this.tokenizer.pad(batch.map((i) => ids[i]));
      const dims = [batch.length, width];
      const out = await (await this.text.get()).run({
        input_ids: { data, dims },
        attention_mask: { data: mask, dims },
      });
      batch.forEach((i, r) => {
        embeddings[i] = out.data.slice(r * out.width, (r + 1) * out.width);
      });
      done += batch.length;
      opts.onProgress?.(done, unique.length);
      await yieldToEventLoop();
      opts.signal?.throwIfAborted();
    }
    const byText = new Map(unique.map((t, i) => [t, embeddings[i]]));
    const normalize = opts.normalize ?? true;
    return texts.map((t) => {
      const e = byText.get(t)!;
      return normalize ? l2Normalize(e) : e.slice();
    });
  }

  /**
   * Embed a batch of preprocessed pixel tensors (CHW float32, `count` images back to back).
   * Returns one L2-normalized embedding per image unless `normalize` is false.
   */
  async embedPixels(
    pixels: Float32Array,
    count: number,
    normalize = true,
  ): Promise<Float32Array[]> {
    const { cropHeight: h, cropWidth: w } = this.preprocess;
    const out = await (await this.vision.get()).run({
      pixel_values: { data: pixels, dims: [count, 3, h, w] },
    });
    return Array.from({ length: count }, (_, r) => {
      const e = out.data.subarray(r * out.width, (r + 1) * out.width);
      return normalize ? l2Normalize(e) : e.slice();
    });
  }

  /**
   * Embed images from paths, URLs or bytes. A bad input yields an error record for that item;
   * the others are embedded. Results are in input order.
   */
  embedImages(
    sources: readonly ImageSource[],
    opts: ImageEmbedOptions = {},
  ): Promise<ImageEmbedResult[]> {
    this.pool ??= new PreprocessPool(this.preprocessWorkers);
    return embedImageSources(this, this.pool, sources, opts);
  }

  /**
   * An `ImageBatcher` on this model's preprocessing workers: images handed in by concurrent
   * callers (a server's requests) are decoded together and share encoder calls.
   */
  imageBatcher(opts: ImageBatcherOptions = {}): ImageBatcher {
    this.pool ??= new PreprocessPool(this.preprocessWorkers);
    return new ImageBatcher(this, this.pool, opts);
  }

  /** Free the onnxruntime sessions. */
  async dispose(): Promise<void> {
    await Promise.all([this.text.release(), this.vision.release(), this.pool?.close()]);
    this.pool = undefined;
  }
}

/** Let the event loop run what is waiting (I/O, timers) before going on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An onnxruntime session opened on first use (and only once, however many callers race). */
class LazyTower {
  private tower: Promise<OnnxTower> | undefined;

  constructor(
    private readonly file: string,
    private readonly output: readonly string[],
    private readonly opts: SessionOptions,
  ) {}

  get(): Promise<OnnxTower> {
    this.tower ??= OnnxTower.open(this.file, this.output, this.opts);
    return this.tower;
  }

  async release(): Promise<void> {
    const t = this.tower;
    this.tower = undefined;
    if (t) await (await t.catch(() => undefined))?.release();
  }
}
