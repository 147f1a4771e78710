/**
 * Version of everything between image bytes and embedding that the model identity does not
 * capture (decode, resize, crop, normalization code). Bump it when that code changes results:
 * it is part of the image-embedding cache key and of a store's model identity.
 */
export const PREPROCESS_VERSION = 1;
