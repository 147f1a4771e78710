/**
 * Which stored inputs a command works on: all of them, or those named by inputs (files and URLs
 * exactly, folders by everything stored under them), in the order `classify` would list the
 * files (each input in turn; a folder's files sorted by path).
 */
import { stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { isHttpUrl } from "../image/source.js";
import type { InputFailure } from "../util/errors.js";
import type { StoredInfo, VectorStore } from "./types.js";

/** A selected input: its stored state, or undefined when the store does not have it. */
export interface Selected {
  input: string;
  info: StoredInfo | undefined;
}

/** Stored inputs selected by `inputs` (all of them when `inputs` is empty), page by page. */
export async function* selectStored(
  store: Pick<VectorStore, "list">,
  inputs: readonly string[] = [],
  pageSize = 1024,
): AsyncIterable<Selected[]> {
  if (inputs.length === 0) {
    for await (const page of store.list({ pageSize })) {
      yield page.map((info) => ({ input: info.input, info }));
    }
    return;
  }
  for (const raw of inputs) {
    const input = isHttpUrl(raw) ? raw : resolve(raw);
    const isDir = !isHttpUrl(raw) && (await stat(input).catch(() => undefined))?.isDirectory();
    const prefix = isDir ? (input.endsWith(sep) ? input : input + sep) : input;
    let found = false;
    for await (const page of store.list({ pageSize, prefixes: [prefix] })) {
      const hits = isDir ? page : page.filter((p) => p.input === input);
      if (hits.length > 0) found = true;
      if (hits.length > 0) yield hits.map((info) => ({ input: info.input, info }));
      if (!isDir && hits.length > 0) break;
    }
    if (!found) yield [{ input, info: undefined }];
  }
}

/** Why a selected input has no embedding (a failure stored before codes were kept: `index_failed`). */
export function storedFailure(s: Selected, location: string): InputFailure {
  if (!s.info) {
    return {
      code: "not_indexed",
      error: `not in the store ${location} (add it with \`zeroclip index\`)`,
    };
  }
  if (s.info.status === "failed") {
    return { code: s.info.code ?? "index_failed", error: s.info.error ?? "failed when indexed" };
  }
  return { code: "not_indexed", error: "no stored embedding" };
}
