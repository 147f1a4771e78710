/** The stop sequence CuPL samples with: one sentence per answer. */
export const SENTENCE_STOP = ".";

/**
 * One LLM answer as a description sentence: cut at the first stop sequence (for servers that
 * ignore `stop`), whitespace trimmed and collapsed, ending with a period. Empty → undefined.
 */
export function cleanAnswer(
  raw: string,
  stop: readonly string[] = [SENTENCE_STOP],
): string | undefined {
  let text = raw;
  for (const s of stop) {
    const i = s === "" ? -1 : text.indexOf(s);
    if (i >= 0) text = text.slice(0, i);
  }
  text = text.replace(/\s+/g, " ").trim();
  if (text === "" || /^[\s\p{P}]*$/u.test(text)) return undefined;
  return text.endsWith(".") ? text : `${text}.`;
}

/** Drop repeated sentences, keeping the first of each. */
export function dedupeSentences(sentences: readonly string[]): string[] {
  return [...new Set(sentences)];
}
