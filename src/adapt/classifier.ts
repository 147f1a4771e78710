/**
 * A few-shot classifier: a `ZeroShotClassifier` (the adapter's class embeddings W as its
 * zero-shot half) whose scores are the adapter's, softmax(logits) over all classes.
 */
import { type Prediction, ZeroShotClassifier } from "../classify/classifier.js";
import { norm, softmax, topK } from "../math/vector.js";
import type { ClipModel } from "../model/clip-model.js";
import { type Adapter, adapterLogits } from "./adapter.js";
import type { AdapterFile } from "./adapter-file.js";
import { checkModelIdentity, type ModelIdentity, modelIdentity } from "./identity.js";
import { keyDistributions } from "./tip.js";

export interface FewShotOptions {
  /**
   * The model the adapter was made with (an adapter file's `model`). When given, it must be the
   * loaded model (same vision weights and preprocessing), else a ModelError is thrown.
   */
  identity?: ModelIdentity;
  /** Names the adapter in errors (e.g. its file path). */
  name?: string;
}

export class FewShotClassifier extends ZeroShotClassifier {
  /** TIP-X: the keys' text-space distributions, which depend only on the adapter. */
  private keyDists: Float64Array[] | undefined;

  protected constructor(
    model: ClipModel,
    readonly adapter: Adapter,
  ) {
    super(model, adapter.classes, adapter.classEmbeddings);
  }

  /** Combine a loaded model with an adapter (or an adapter file's contents). */
  static async fromAdapter(
    model: ClipModel,
    adapter: Adapter | AdapterFile,
    opts: FewShotOptions = {},
  ): Promise<FewShotClassifier> {
    const a = "adapter" in adapter ? adapter.adapter : adapter;
    const identity = opts.identity ?? ("adapter" in adapter ? adapter.model : undefined);
    if (identity) checkModelIdentity(identity, await modelIdentity(model), opts.name);
    return new FewShotClassifier(model, a);
  }

  /** The adapter's logits for one image embedding (normalized here, in float64). */
  logits(imageEmbedding: ArrayLike<number>): Float64Array {
    const n = norm(imageEmbedding);
    const f = Float64Array.from(imageEmbedding, (v) => (n === 0 ? 0 : v / n));
    const a = this.adapter;
    if (a.method === "tip-x") {
      this.keyDists ??= keyDistributions(a, a.classEmbeddings, a.temperature);
    }
    return adapterLogits(a, [f], this.keyDists)[0];
  }

  /**
   * softmax(adapter logits) over all classes, best first, cut to `k` and to `minScore`. For a
   * sigmoid family too: an adapter is a classifier over its classes (see docs/few-shot.md).
   */
  override predict(
    imageEmbedding: ArrayLike<number>,
    k = this.labels.length,
    minScore = 0,
  ): Prediction[] {
    const probs = softmax(this.logits(imageEmbedding));
    return topK(probs, k)
      .filter((i) => probs[i] >= minScore)
      .map((i) => ({ label: this.labels[i], score: probs[i] }));
  }
}
