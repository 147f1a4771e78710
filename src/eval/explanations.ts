/**
 * The eval report's explanations: for each true class, the texts (descriptions or filled
 * templates) that most often explain its correct predictions, and, for its most frequent
 * confusion, the texts of the wrongly predicted class that most often explain it. An image's
 * explanation is the text of its predicted class whose embedding is closest to the image.
 * Pure: no IO.
 */
import { dot } from "../math/vector.js";

export interface TextCount {
  text: string;
  /** Images this text explained. */
  count: number;
}

export interface ClassExplanations {
  /** Texts of the class behind its correct predictions, most frequent first. */
  correct: TextCount[];
  /** The class this one is most often mistaken for, with the texts behind those mistakes. */
  confusion?: { predicted: number; images: number; texts: TextCount[] };
}

/** Index of the predicted class's text closest to the image (ties: the first text). */
function closestText(image: Float32Array, texts: readonly Float32Array[]): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const [i, t] of texts.entries()) {
    const s = dot(image, t);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best;
}

function ranked(counts: Map<number, number>, texts: readonly string[], top: number): TextCount[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, top)
    .map(([i, count]) => ({ text: texts[i], count }));
}

/**
 * Per true class (in class order): its explanations. `images` are L2-normalized, `labels` and
 * `predicted` class indices per image, `textEmbeddings[c]` class c's L2-normalized texts.
 */
export function explainPredictions(
  images: readonly Float32Array[],
  labels: readonly number[],
  predicted: readonly number[],
  texts: readonly (readonly string[])[],
  textEmbeddings: readonly (readonly Float32Array[])[],
  top = 3,
): ClassExplanations[] {
  const k = texts.length;
  const behind = images.map((img, i) => closestText(img, textEmbeddings[predicted[i]]));
  return Array.from({ length: k }, (_, c) => {
    const correct = new Map<number, number>();
    const wrongTo = new Map<number, number>();
    for (let i = 0; i < images.length; i++) {
      if (labels[i] !== c) continue;
      if (predicted[i] === c) correct.set(behind[i], (correct.get(behind[i]) ?? 0) + 1);
      else wrongTo.set(predicted[i], (wrongTo.get(predicted[i]) ?? 0) + 1);
    }
    const out: ClassExplanations = { correct: ranked(correct, texts[c], top) };
    const worst = [...wrongTo.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (worst) {
      const [p, n] = worst;
      const counts = new Map<number, number>();
      for (let i = 0; i < images.length; i++) {
        if (labels[i] === c && predicted[i] === p) {
          counts.set(behind[i], (counts.get(behind[i]) ?? 0) + 1);
        }
      }
      out.confusion = { predicted: p, images: n, texts: ranked(counts, texts[p], top) };
    }
    return out;
  });
}
