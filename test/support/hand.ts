/**
 * Hand computations for CLI tests, sharing no code with src/math: zero-shot probabilities from
 * the embeddings `zeroclip embed` prints (L2-normalized, full float precision).
 */
import assert from "node:assert/strict";
import { parseJsonl, runCli } from "./cli.js";

export const dotp = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, x, i) => s + x * b[i], 0);

export const normalize = (v: readonly number[]) => {
  const n = Math.sqrt(dotp(v, v));
  return v.map((x) => x / n);
};

export const softmax = (z: readonly number[]) => {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/** Embeddings already printed by `zeroclip embed` in this process, by model, kind and input. */
const seen = new Map<string, number[]>();

/**
 * `zeroclip embed` of texts (`--text`) or image paths (`--image`), in order. Inputs embedded
 * before (same model) are not embedded again; the rest go through one CLI run.
 */
export async function embedWithCli(
  model: string,
  kind: "text" | "image",
  inputs: readonly string[],
): Promise<number[][]> {
  const key = (x: string) => JSON.stringify([model, kind, x]);
  const missing = [...new Set(inputs.filter((x) => !seen.has(key(x))))];
  if (missing.length > 0) {
    const run = await runCli([
      "embed",
      "--model",
      model,
      ...missing.flatMap((x) => [`--${kind}`, x]),
    ]);
    assert.equal(run.code, 0, run.stderr);
    const records = parseJsonl(run.stdout);
    assert.deepEqual(
      records.map((r) => r.input),
      missing,
    );
    for (const [i, r] of records.entries()) seen.set(key(missing[i]), r.embedding as number[]);
  }
  return inputs.map((x) => seen.get(key(x))!);
}

/** A class embedding as CLIP ensembles prompts: mean of normalized embeddings, re-normalized. */
export const classEmbedding = (textEmbeddings: readonly number[][]) =>
  normalize(
    textEmbeddings[0].map(
      (_, j) => textEmbeddings.reduce((s, e) => s + e[j], 0) / textEmbeddings.length,
    ),
  );

/**
 * Probabilities per image (label → p): softmax over labels of `scale` × cosine between the image
 * embedding and each label's class embedding from its `texts`.
 */
export async function handZeroShot(
  model: string,
  images: readonly string[],
  texts: Record<string, readonly string[]>,
  scale = 100,
): Promise<Record<string, number>[]> {
  const labels = Object.keys(texts);
  const flat = labels.flatMap((l) => texts[l]);
  const embedded = await embedWithCli(model, "text", flat);
  let k = 0;
  const classes = labels.map((l) => classEmbedding(texts[l].map(() => embedded[k++])));
  const imageEmb = await embedWithCli(model, "image", images);
  return imageEmb.map((img) => {
    const p = softmax(classes.map((c) => scale * dotp(img, c)));
    return Object.fromEntries(labels.map((l, i) => [l, p[i]]));
  });
}

/** jsonl classify output → label → score per record. */
export function scoresByLabel(stdout: string): Record<string, number>[] {
  return parseJsonl(stdout).map((r) =>
    Object.fromEntries(
      (r.predictions as { label: string; score: number }[]).map((p) => [p.label, p.score]),
    ),
  );
}

/**
 * Scores printed with 6 significant digits, computed from float32 embeddings: agree with the
 * hand computation within 1e-5 + 1e-4 relative.
 */
export function assertScoresClose(
  actual: Record<string, number>[],
  expected: Record<string, number>[],
  what = "",
): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((got, i) => {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(expected[i]).sort(), `${what} labels`);
    for (const [label, p] of Object.entries(expected[i])) {
      assert.ok(
        Math.abs(got[label] - p) <= 1e-5 + 1e-4 * p,
        `${what} image ${i} ${label}: ${got[label]} vs hand ${p}`,
      );
    }
  });
}

/** The largest score difference between two results (to show an option really changes them). */
export function maxScoreGap(a: Record<string, number>[], b: Record<string, number>[]): number {
  let gap = 0;
  a.forEach((r, i) => {
    for (const [label, p] of Object.entries(r)) gap = Math.max(gap, Math.abs(p - b[i][label]));
  });
  return gap;
}
