/** Number formats, colours and the heatmap's class choice: pure, no DOM. */

const COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** A heatmap shows at most this many classes (those involved in the most errors). */
export const HEATMAP_MAX_CLASSES = 40;

/** A share as a percentage ("n/a" for a missing value). */
export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? "n/a" : `${(x * 100).toFixed(digits)}%`;
}

/** The i-th series colour (Tableau 10, repeating). */
export function color(i: number): string {
  return COLORS[i % COLORS.length];
}

/** A heatmap cell's background for the share of its row (0 light, 1 dark blue). */
export function shade(share: number): string {
  return `hsl(212, 70%, ${Math.round(97 - share * 62)}%)`;
}

/**
 * The classes a confusion heatmap shows, ascending: all of them up to HEATMAP_MAX_CLASSES, else
 * the ones involved in the most errors (as true or as predicted class; ties by index).
 */
export function shownClasses(confusion: number[][], n: number): number[] {
  const all: number[] = [];
  for (let i = 0; i < n; i++) all.push(i);
  if (n <= HEATMAP_MAX_CLASSES) return all;
  const errors = all.map(() => 0);
  confusion.forEach((row, t) => {
    row.forEach((c, p) => {
      if (t !== p) {
        errors[t] += c;
        errors[p] += c;
      }
    });
  });
  return all
    .slice()
    .sort((a, b) => errors[b] - errors[a] || a - b)
    .slice(0, HEATMAP_MAX_CLASSES)
    .sort((a, b) => a - b);
}
