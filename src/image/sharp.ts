/**
 * sharp, loaded on first use: importing it (libvips) takes 50–250 ms, which a process that
 * decodes no image in its main thread (`zeroclip --version`, `import { ClipModel }`, a text-only
 * embed) should not pay.
 */
import type sharpModule from "sharp";

export type Sharp = typeof sharpModule;

let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  // A CommonJS package: its module.exports (the sharp function) is the namespace's default.
  loading ??= import("sharp").then((m) => m.default);
  return loading;
}
