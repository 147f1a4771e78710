/** The few-shot protocol's defaults (`eval --train`), in a module of their own for the core API. */

/** Support images per class of the few-shot curve, by default. */
export const DEFAULT_SHOTS: readonly number[] = [1, 2, 4, 8, 16];
/** Seeds of the support draws, by default. */
export const DEFAULT_SEEDS: readonly number[] = [1, 2, 3];
