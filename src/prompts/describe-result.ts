import type { InputFailure } from "../util/errors.js";
import { cleanAnswer, dedupeSentences } from "./clean.js";
import type { AnswerStore } from "./llm-cache.js";

/** A class whose descriptions could not be generated: its code (`llm_failed` mostly) and reason. */
export interface DescribeFailure extends InputFailure {
  label: string;
  /** HTTP status when the server answered with an error. */
  status?: number;
}

export interface DescribeResult {
  /** CuPL JSON: class → sentences, in label order, only classes that succeeded. */
  descriptions: Record<string, string[]>;
  failures: DescribeFailure[];
  /** Requests sent (0 when everything came from the cache). */
  requests: number;
  /** Answers taken from the cache. */
  cachedAnswers: number;
  /** Token usage the server reported. */
  usage: { promptTokens: number; completionTokens: number };
  /** The endpoint asked, without credentials or query (safe to print). */
  endpoint: string;
}

/** What the descriptions are built from: the run's labels, questions and sampling. */
export interface DescriptionLayout {
  labels: readonly string[];
  questions: readonly string[];
  n: number;
  stop: readonly string[];
  dedupe: boolean;
}

/**
 * The cleaned sentences of each class that did not fail, in label order, then question and
 * sample order.
 */
export function collectDescriptions(
  store: AnswerStore,
  layout: DescriptionLayout,
  failed: ReadonlyMap<string, DescribeFailure>,
): Record<string, string[]> {
  const descriptions: Record<string, string[]> = {};
  for (const label of layout.labels) {
    if (failed.has(label)) continue;
    const sentences: string[] = [];
    for (const question of layout.questions) {
      for (let i = 0; i < layout.n; i++) {
        const raw = store.get(label, question, i);
        const s = raw === undefined ? undefined : cleanAnswer(raw, layout.stop);
        if (s !== undefined) sentences.push(s);
      }
    }
    // An own property even for a label such as "__proto__" (plain assignment would set the
    // object's prototype and the label would vanish from the answer).
    Object.defineProperty(descriptions, label, {
      value: layout.dedupe ? dedupeSentences(sentences) : sentences,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return descriptions;
}

/** The failures in label order. */
export function failuresInLabelOrder(
  labels: readonly string[],
  failed: ReadonlyMap<string, DescribeFailure>,
): DescribeFailure[] {
  return labels.filter((l) => failed.has(l)).map((l) => failed.get(l)!);
}
