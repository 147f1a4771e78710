/**
 * Plain float64 forward pass of Hugging Face CLIPTextModelWithProjection and
 * CLIPVisionModelWithProjection, written from the architecture description (modeling_clip.py),
 * for checking generated ONNX graphs. Weights are looked up by HF state-dict name; Linear
 * weights are [out, in]. Sequences are arrays of rows (one Float64Array per position).
 */
import type { ClipDims } from "../support/model-gen/index.js";

export type WeightLookup = (hfName: string) => Float64Array;
type Rows = Float64Array[];

const EPS = 1e-5;

function linear(x: Rows, w: Float64Array, bias: Float64Array | undefined, out: number): Rows {
  return x.map((row) => {
    const n = row.length;
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = bias ? bias[o] : 0;
      const base = o * n;
      for (let i = 0; i < n; i++) s += row[i] * w[base + i];
      y[o] = s;
    }
    return y;
  });
}

function layerNorm(x: Rows, g: Float64Array, b: Float64Array): Rows {
  return x.map((row) => {
    const n = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    variance /= n;
    const inv = 1 / Math.sqrt(variance + EPS);
    return row.map((v, i) => (v - mean) * inv * g[i] + b[i]);
  });
}

function add(a: Rows, b: Rows): Rows {
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

export class ClipReference {
  constructor(
    private readonly dims: ClipDims,
    private readonly w: WeightLookup,
  ) {}

  private attention(x: Rows, p: string, hidden: number, heads: number, causal: boolean): Rows {
    const hd = hidden / heads;
    const scale = hd ** -0.5;
    const q = linear(x, this.w(`${p}.q_proj.weight`), this.w(`${p}.q_proj.bias`), hidden);
    const k = linear(x, this.w(`${p}.k_proj.weight`), this.w(`${p}.k_proj.bias`), hidden);
    const v = linear(x, this.w(`${p}.v_proj.weight`), this.w(`${p}.v_proj.bias`), hidden);
    const n = x.length;
    const ctx: Rows = x.map(() => new Float64Array(hidden));
    for (let h = 0; h < heads; h++) {
      const off = h * hd;
      for (let i = 0; i < n; i++) {
        const limit = causal ? i + 1 : n;
        const scores = new Float64Array(limit);
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < limit; j++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[i][off + d] * scale * k[j][off + d];
          scores[j] = s;
          max = Math.max(max, s);
        }
        let sum = 0;
        for (let j = 0; j < limit; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (let j = 0; j < limit; j++) {
          const pj = scores[j] / sum;
          for (let d = 0; d < hd; d++) ctx[i][off + d] += pj * v[j][off + d];
        }
      }
    }
    return linear(ctx, this.w(`${p}.out_proj.weight`), this.w(`${p}.out_proj.bias`), hidden);
  }

  private encoder(
    x: Rows,
    prefix: string,
    layers: number,
    heads: number,
    inter: number,
    causal: boolean,
  ): Rows {
    const hidden = x[0].length;
    let h = x;
    for (let l = 0; l < layers; l++) {
      const p = `${prefix}.encoder.layers.${l}`;
      const ln1 = layerNorm(h, this.w(`${p}.layer_norm1.weight`), this.w(`${p}.layer_norm1.bias`));
      h = add(h, this.attention(ln1, `${p}.self_attn`, hidden, heads, causal));
      const ln2 = layerNorm(h, this.w(`${p}.layer_norm2.weight`), this.w(`${p}.layer_norm2.bias`));
      const fc1 = linear(ln2, this.w(`${p}.mlp.fc1.weight`), this.w(`${p}.mlp.fc1.bias`), inter);
      const act = fc1.map((row) => row.map((v) => v / (1 + Math.exp(-1.702 * v))));
      h = add(h, linear(act, this.w(`${p}.mlp.fc2.weight`), this.w(`${p}.mlp.fc2.bias`), hidden));
    }
    return h;
  }

  /** One token sequence → projected (unnormalised) embedding and last_hidden_state. */
  text(ids: number[]): { embeds: Float64Array; lastHidden: Rows } {
    const d = this.dims;
    const h = d.textHidden;
    const tok = this.w("text_model.embeddings.token_embedding.weight");
    const pos = this.w("text_model.embeddings.position_embedding.weight");
    const x: Rows = ids.map((id, i) => {
      const row = new Float64Array(h);
      for (let j = 0; j < h; j++) row[j] = tok[id * h + j] + pos[i * h + j];
      return row;
    });
    const enc = this.encoder(x, "text_model", d.textLayers, d.textHeads, d.textIntermediate, true);
    const lastHidden = layerNorm(
      enc,
      this.w("text_model.final_layer_norm.weight"),
      this.w("text_model.final_layer_norm.bias"),
    );
    // EOS has the largest id; the first occurrence is pooled.
    let eos = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] > ids[eos]) eos = i;
    const [embeds] = linear(
      [lastHidden[eos]],
      this.w("text_projection.weight"),
      undefined,
      d.projectionDim,
    );
    return { embeds, lastHidden };
  }

  /** One image, pixels [3, S, S] (already normalised) → embedding and last_hidden_state. */
  vision(pixels: ArrayLike<number>): { embeds: Float64Array; lastHidden: Rows } {
    const d = this.dims;
    const h = d.visionHidden;
    const p = d.patchSize;
    const s = d.imageSize;
    const g = s / p;
    const conv = this.w("vision_model.embeddings.patch_embedding.weight");
    const pos = this.w("vision_model.embeddings.position_embedding.weight");
    const cls = this.w("vision_model.embeddings.class_embedding");
    const x: Rows = [cls.map((v, j) => v + pos[j])];
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++) {
        const row = new Float64Array(h);
        for (let o = 0; o < h; o++) {
          let acc = 0;
          for (let c = 0; c < 3; c++) {
            for (let ky = 0; ky < p; ky++) {
              const wBase = ((o * 3 + c) * p + ky) * p;
              const pBase = (c * s + gy * p + ky) * s + gx * p;
              for (let kx = 0; kx < p; kx++) acc += conv[wBase + kx] * pixels[pBase + kx];
            }
          }
          row[o] = acc + pos[x.length * h + o];
        }
        x.push(row);
      }
    }
    const pre = layerNorm(
      x,
      this.w("vision_model.pre_layrnorm.weight"),
      this.w("vision_model.pre_layrnorm.bias"),
    );
    const lastHidden = this.encoder(
      pre,
      "vision_model",
      d.visionLayers,
      d.visionHeads,
      d.visionIntermediate,
      false,
    );
    const pooled = layerNorm(
      [lastHidden[0]],
      this.w("vision_model.post_layernorm.weight"),
      this.w("vision_model.post_layernorm.bias"),
    );
    const [embeds] = linear(pooled, this.w("visual_projection.weight"), undefined, d.projectionDim);
    return { embeds, lastHidden };
  }
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Concatenates rows into one flat array. */
export function flatten(rows: Rows): Float64Array {
  const out = new Float64Array(rows.length * (rows[0]?.length ?? 0));
  rows.forEach((r, i) => {
    out.set(r, i * r.length);
  });
  return out;
}
