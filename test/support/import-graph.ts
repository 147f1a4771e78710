/**
 * The import graph of a set of TypeScript sources, and the two checks the layer test makes on
 * it: imports that point up a layer, and cycles (between files, and between folders of one
 * layer). Pure: the caller reads the files. Imports are found by TypeScript's own
 * `preProcessFile` (static imports and exports, `import type`, side-effect imports and dynamic
 * `import()`; never text in comments), so type-only imports are edges like any other.
 */
import { posix } from "node:path";
import ts from "typescript";

export interface ImportEdge {
  /** Importing file, e.g. "image/worker.ts" (relative to the source root, "/" separators). */
  from: string;
  /** Imported file, the same way ("adapt/augment.ts"). */
  to: string;
}

/** Relative imports between the given files (`.js` specifiers name the `.ts` sources). */
export function importEdges(sources: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, text] of sources) {
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith(".")) continue; // packages and node: builtins
      const to = posix.normalize(posix.join(posix.dirname(from), fileName)).replace(/\.js$/, ".ts");
      edges.push({ from, to });
    }
  }
  return edges;
}

/** A file's top folder ("model" for "model/hub/http.ts"), or the file itself at the root. */
export function topFolder(file: string): string {
  return file.split("/")[0];
}

/**
 * Imports from a folder whose layer is above the importer's, as "from -> to" lines; folders
 * missing from `layers` are reported too (every folder must be placed).
 */
export function upwardImports(
  edges: readonly ImportEdge[],
  layers: Readonly<Record<string, number>>,
): string[] {
  const problems = new Set<string>();
  for (const { from, to } of edges) {
    const a = topFolder(from);
    const b = topFolder(to);
    for (const f of [a, b]) if (!(f in layers)) problems.add(`${f} has no layer`);
    if (a in layers && b in layers && layers[b] > layers[a]) problems.add(`${from} -> ${to}`);
  }
  return [...problems].sort();
}

/** The strongly connected components with more than one node (each a cycle), sorted. */
export function cycles(edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (from === to) continue;
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  // Tarjan's algorithm, iterative (no recursion limit on long chains).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  for (const root of [...next.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const succ = next.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node) ?? 0, index.get(w) ?? 0));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent) ?? 0, low.get(top.node) ?? 0));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w === undefined) break;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.node);
        if (component.length > 1) found.push(component.sort());
      }
    }
  }
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Cycles between top folders (imports inside one folder are left to the file-level check). */
export function folderCycles(edges: readonly ImportEdge[]): string[][] {
  return cycles(
    edges
      .map((e) => ({ from: topFolder(e.from), to: topFolder(e.to) }))
      .filter((e) => e.from !== e.to),
  );
}
