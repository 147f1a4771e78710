/** Prefix filters of `list` / `embeddings` pages as ranges of inputs (shared by the engines). */

/**
 * Disjoint [lo, hi) ranges of inputs starting with any of the prefixes (a prefix inside another
 * is dropped), in order. `hi` is the prefix with its last code unit incremented.
 */
export function prefixRanges(prefixes: readonly string[]): [string, string | undefined][] {
  const sorted = [...new Set(prefixes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => p.startsWith(k))) kept.push(p);
  return kept.map((p) => {
    if (p === "") return ["", undefined];
    const last = p.charCodeAt(p.length - 1);
    return [p, p.slice(0, -1) + String.fromCharCode(last + 1)];
  });
}
