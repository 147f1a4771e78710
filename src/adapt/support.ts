/**
 * Drawing support and validation sets from labelled images, seeded so that a run can be
 * repeated. Pure: no IO.
 *
 * - `sampleSupport`: K images per class. The items are visited in a seeded shuffle
 *   (`seededPermutation`, mulberry32) and the first K of each class are kept, so for one seed
 *   the 1-shot set is part of the 2-shot set, and so on.
 * - `holdOut`: a seeded fraction of each class, set aside for validation.
 * - `sampleValidation`: the papers' validation split, min(K, 4) images per class (CoOp's
 *   datasets, used by Tip-Adapter and GDA), drawn from the images not in the support set.
 */

import { UsageError } from "../util/errors.js";
import { sampleItems, seededPermutation } from "../util/sample.js";

interface Labelled {
  label: number;
}

function countByClass(items: readonly Labelled[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const i of items) counts[i.label]++;
  return counts;
}

/**
 * K images per class (all images when `shots` is undefined), in dataset order. A class with
 * fewer than K images (or none) is an error naming it.
 */
export function sampleSupport<T extends Labelled>(
  items: readonly T[],
  classNames: readonly string[],
  shots: number | undefined,
  seed: number,
  what = "the support set",
): T[] {
  if (shots !== undefined && !(Number.isInteger(shots) && shots >= 1)) {
    throw new UsageError(`shots must be a positive integer, got ${shots}`);
  }
  const counts = countByClass(items, classNames.length);
  const need = shots ?? 1;
  const short = classNames.map((name, c) => ({ name, n: counts[c] })).filter((x) => x.n < need);
  if (short.length > 0) {
    const list = short.map((x) => `${JSON.stringify(x.name)} (${x.n})`).join(", ");
    throw new UsageError(
      shots === undefined
        ? `${what} has no images of ${list}`
        : `${what} has fewer than ${shots} images of ${list}`,
    );
  }
  return shots === undefined ? [...items] : sampleItems(items, { perClass: shots, seed });
}

/**
 * Split off a seeded `fraction` of each class (at least one image, and at least one left) as
 * validation; both parts keep dataset order.
 */
export function holdOut<T extends Labelled>(
  items: readonly T[],
  classNames: readonly string[],
  fraction: number,
  seed: number,
): { rest: T[]; val: T[] } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new UsageError(`the validation fraction must be between 0 and 1, got ${fraction}`);
  }
  const counts = countByClass(items, classNames.length);
  const short = classNames.filter((_, c) => counts[c] < 2);
  if (short.length > 0) {
    throw new UsageError(
      `cannot hold out validation images of ${short.map((s) => JSON.stringify(s)).join(", ")}: fewer than 2 images`,
    );
  }
  const quota = counts.map((n) => Math.min(n - 1, Math.max(1, Math.round(fraction * n))));
  const taken = new Array<number>(classNames.length).fill(0);
  const isVal = new Array<boolean>(items.length).fill(false);
  for (const i of seededPermutation(items.length, seed)) {
    const c = items[i].label;
    if (taken[c] < quota[c]) {
      taken[c]++;
      isVal[i] = true;
    }
  }
  return {
    rest: items.filter((_, i) => !isVal[i]),
    val: items.filter((_, i) => isVal[i]),
  };
}

/** The papers' validation images per class for a K-shot run: min(K, 4). */
export function validationShots(shots: number): number {
  return Math.min(shots, 4);
}

/**
 * `perClass` validation images per class from `items` minus `exclude` (the support set), seeded;
 * a class without enough images left is an error naming it.
 */
export function sampleValidation<T extends Labelled & { path: string }>(
  items: readonly T[],
  exclude: readonly T[],
  classNames: readonly string[],
  perClass: number,
  seed: number,
): T[] {
  const used = new Set(exclude.map((e) => e.path));
  const rest = items.filter((i) => !used.has(i.path));
  return sampleSupport(
    rest,
    classNames,
    perClass,
    seed,
    "the training set, without the support images,",
  );
}
