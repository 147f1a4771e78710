/**
 * SigLIP's text canonicalization (`SiglipTokenizer`: `do_lower_case`, then big_vision's
 * `canonicalize_text`): lowercase, remove every character of Python's `string.punctuation`,
 * collapse whitespace runs to one space, strip. Character classes follow Python's, not
 * JavaScript's: `\s` and `str.strip()` use `str.isspace()`, which includes U+001C..U+001F and
 * U+0085 but not U+FEFF.
 *
 * Pure: no IO.
 */

/** Python's `string.punctuation`: the 32 ASCII punctuation characters. */
export const PYTHON_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** The characters for which Python's `str.isspace()` is true. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "gu");
const EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** Lowercase (Python's `str.lower`, which JavaScript's `toLowerCase` matches outside locales). */
export function lowercase(text: string): string {
  return text.toLowerCase();
}

/** `canonicalize_text` without lowercasing: punctuation removed, whitespace collapsed, stripped. */
export function canonicalizeText(text: string): string {
  return text.replace(PUNCTUATION, "").replace(SPACE_RUN, " ").replace(EDGES, "");
}

/** What SiglipTokenizer does to a text before SentencePiece: lowercase, then canonicalize. */
export function siglipCanonical(text: string): string {
  return canonicalizeText(lowercase(text));
}
