/**
 * The pooled-mean identity: the text projection is linear without bias, so projecting the mean
 * of pooled outputs equals the mean of the projected (unnormalized) embeddings. Checked on the
 * tiny model: pooled outputs are read from the ONNX text model's last_hidden_state at the EOS
 * position (validated against the PyTorch pooler_output in reference.json when present), the
 * projection W is solved by least squares from texts that do NOT include the two test texts,
 * and then W·mean(pooled) must equal mean(text_embeds) for the held-out pair, and the
 * classifier's pooled-mean class embedding must equal normalize(W·mean(pooled)).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import * as ort from "onnxruntime-node";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { ClipTokenizer } from "../../src/text/tokenizer.js";
import { loadReference, tinyClipDir } from "../support/reference.js";
import { tinyModelDir } from "./tiny-model.js";

type Vec = number[];

const mean = (rows: Vec[]) =>
  rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
const normalize = (v: Vec) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const maxAbsDiff = (a: Vec, b: Vec) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
const maxAbs = (a: Vec) => Math.max(...a.map(Math.abs));

/** Solve A x = b (A square, float64) by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k < M[r].length; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row.slice(n).map((x) => x / M[i][i]));
}

/**
 * Least squares W (out × in) with W·p_i ≈ e_i, bias-free. A tiny ridge keeps the normal
 * equations solvable when the pooled vectors span less than the full space (LayerNorm without
 * bias puts them in a hyperplane through the origin); W is then exact on their span.
 */
function fitProjection(P: Vec[], E: Vec[]): number[][] {
  const d = P[0].length;
  const PtP = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => P.reduce((s, p) => s + p[i] * p[j], 0)),
  );
  const trace = PtP.reduce((s, r, i) => s + r[i], 0);
  for (let i = 0; i < d; i++) PtP[i][i] += 1e-12 * trace;
  const PtE = Array.from({ length: d }, (_, i) =>
    Array.from({ length: E[0].length }, (_, j) => P.reduce((s, p, k) => s + p[i] * E[k][j], 0)),
  );
  const Wt = solve(PtP, PtE); // d × out
  return Wt[0].map((_, o) => Wt.map((row) => row[o]));
}

const apply = (W: number[][], p: Vec) => W.map((row) => row.reduce((s, w, i) => s + w * p[i], 0));

test("pooled-mean: projecting the mean of pooled outputs = mean of projected embeddings", async (t) => {
  const dir = await tinyModelDir();
  // PyTorch reference values belong to ../shared/models/tiny-clip only.
  const ref = dir === tinyClipDir ? loadReference() : undefined;
  const session = await ort.InferenceSession.create(join(dir, "onnx", "text_model.onnx"));
  const model = await ClipModel.load(dir);
  const tokenizer = await ClipTokenizer.load(dir, model.config.maxPositions);
  try {
    /** Pooled output (last_hidden_state at EOS, the last token) and text_embeds of one text. */
    const run = async (text: string): Promise<{ pooled: Vec; embed: Vec }> => {
      const ids = tokenizer.encode(text);
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      };
      if (session.inputNames.includes("attention_mask")) {
        feeds.attention_mask = new ort.Tensor("int64", new BigInt64Array(ids.length).fill(1n), [
          1,
          ids.length,
        ]);
      }
      const out = await session.run(feeds);
      const hidden = out.last_hidden_state;
      const width = hidden.dims[2];
      const data = hidden.data as Float32Array;
      const eos = ids.length - 1;
      return {
        pooled: Array.from(data.subarray(eos * width, (eos + 1) * width)),
        embed: Array.from(out.text_embeds.data as Float32Array),
      };
    };

    // The two held-out texts (from reference.json when present) and the texts W is fitted on.
    const held = ref
      ? [ref.texts[0].text, ref.texts[3].text]
      : ["a photo of a tree frog", "an origami horse."];
    const words =
      "frog horse cat dog tree stream paper green small large fast cold night bird fish red blue".split(
        " ",
      );
    const fitTexts: string[] = [];
    for (const a of words) for (const b of words.slice(0, 5)) fitTexts.push(`a ${a} near a ${b}`);
    assert.ok(!fitTexts.some((x) => held.includes(x)));

    // Our pooled outputs match PyTorch's pooler_output: the extraction is right.
    if (ref) {
      for (const r of ref.texts.slice(0, 5)) {
        const { pooled, embed } = await run(r.text);
        assert.ok(maxAbsDiff(pooled, r.pooler_output) < 1e-4, `pooler_output of ${r.text}`);
        assert.ok(maxAbsDiff(embed, r.text_embeds) < 1e-4, `text_embeds of ${r.text}`);
      }
    }

    const fit = await Promise.all(fitTexts.map(run));
    const W = fitProjection(
      fit.map((f) => f.pooled),
      fit.map((f) => f.embed),
    );
    // A bias-free linear map fits every pair (a bias would leave a residual).
    const scale = maxAbs(fit.flatMap((f) => f.embed));
    for (const f of fit) assert.ok(maxAbsDiff(apply(W, f.pooled), f.embed) < 1e-4 * scale);

    // The held-out pair: W·mean(pooled) = mean(embeds), using PyTorch's values when present.
    const pair = ref
      ? held.map((h) => {
          const r = ref.texts.find((x) => x.text === h)!;
          return { pooled: r.pooler_output, embed: r.text_embeds };
        })
      : await Promise.all(held.map(run));
    const projectedMean = apply(W, mean(pair.map((p) => p.pooled)));
    t.diagnostic(
      `held-out |W·mean(pooled) − mean(embeds)| = ${maxAbsDiff(projectedMean, mean(pair.map((p) => p.embed)))}`,
    );
    const meanEmbed = mean(pair.map((p) => p.embed));
    assert.ok(
      maxAbsDiff(projectedMean, meanEmbed) < 1e-4 * maxAbs(meanEmbed),
      `W·mean(pooled) ${projectedMean.slice(0, 3)} vs mean(embeds) ${meanEmbed.slice(0, 3)}`,
    );

    // And that is the classifier's pooled-mean class embedding (after normalizing).
    const clf = await ZeroShotClassifier.create(model, {
      labels: ["c"],
      descriptions: { c: held },
      aggregate: "pooled-mean",
    });
    assert.ok(maxAbsDiff(Array.from(clf.classEmbeddings[0]), normalize(projectedMean)) < 1e-4);
  } finally {
    await session.release();
    await model.dispose();
  }
});
