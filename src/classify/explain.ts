/**
 * Explanations: for a predicted label, the texts of that label (descriptions and filled
 * templates) whose embeddings are closest to the image, with their cosine similarities — the
 * sentences behind the class embedding that the image matches best (as "classification by
 * description", Menon & Vondrick, presents its predictions).
 */
import { cosine, topK } from "../math/vector.js";
import type { TextEmbedder } from "./class-embeddings.js";

export interface Explanation {
  text: string;
  /** Cosine similarity of the text's embedding and the image's. */
  cosine: number;
}

export class TextExplainer {
  private constructor(
    readonly labels: readonly string[],
    readonly texts: readonly (readonly string[])[],
    /** One embedding per text, per label (L2-normalized). */
    readonly embeddings: readonly (readonly Float32Array[])[],
  ) {}

  /** Embed every label's texts (each distinct text once). */
  static async create(
    model: TextEmbedder,
    labels: readonly string[],
    texts: readonly (readonly string[])[],
  ): Promise<TextExplainer> {
    if (texts.length !== labels.length) throw new RangeError("one list of texts per label");
    const flat = texts.flat();
    const rows = await model.embedTexts(flat, { normalize: true });
    let offset = 0;
    const embeddings = texts.map((group) => {
      const out = rows.slice(offset, offset + group.length);
      offset += group.length;
      return out;
    });
    return new TextExplainer(labels, texts, embeddings);
  }

  /** The `n` texts of `label` closest to the image, best first (ties keep text order). */
  explain(image: ArrayLike<number>, label: string, n: number): Explanation[] {
    const c = this.labels.indexOf(label);
    if (c < 0) throw new RangeError(`unknown label ${JSON.stringify(label)}`);
    const cos = this.embeddings[c].map((e) => cosine(image, e));
    return topK(cos, n).map((i) => ({ text: this.texts[c][i], cosine: cos[i] }));
  }
}
