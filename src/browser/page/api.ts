/**
 * The page's state, its message line and the API helper (with the key when the server asks for
 * one).
 */
import { byId } from "../dom.js";
import type { ApiResult, ErrorResponse, InputError, ServerConfig } from "./types.js";

export interface PageImage {
  name: string;
  /** A picked, dropped or pasted file; or else */
  file?: File;
  /** an image URL the server downloads. */
  url?: string;
  thumb: string;
}

export const state: {
  config: ServerConfig | null;
  images: PageImage[];
  descriptions: Record<string, string[]> | null;
} = { config: null, images: [], descriptions: null };

export const KEY_ITEM = "zeroclip-key";

export function setMessage(text: string, isError = false): void {
  const m = byId("message");
  m.textContent = text;
  m.className = isError ? "error" : "";
}

/** fetch with the API key; a 401 shows the key box. The body is parsed as JSON when it can be. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  const headers = new Headers(init.headers);
  const key = sessionStorage.getItem(KEY_ITEM);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  const res = await fetch(path, { ...init, headers });
  const text = await res.text();
  let body: T | null;
  try {
    body = text ? (JSON.parse(text) as T) : null;
  } catch {
    body = { error: { message: text } } as T;
  }
  if (res.status === 401) byId("key-box").hidden = false;
  return { status: res.status, body };
}

export function errorText(r: ApiResult<unknown>): string {
  return (r.body as ErrorResponse | null)?.error?.message || `HTTP ${r.status}`;
}

/** A failed input's message, whether the server sent a string or a `{code, message}` record. */
export function inputErrorText(e: InputError): string {
  return typeof e === "string" ? e : e.message;
}
