/**
 * Plain float64 forward pass of Hugging Face SiglipModel, written from modeling_siglip.py
 * (SiglipTextTransformer, SiglipVisionTransformer, SiglipMultiheadAttentionPoolingHead,
 * SiglipModel.forward) for checking the generated ONNX graphs. Weights are looked up by HF
 * state-dict name (Linear weights [out, in]); sequences are arrays of rows.
 */
import type { SiglipDims } from "../support/model-gen/siglip/index.js";

export type WeightLookup = (hfName: string) => Float64Array;
type Rows = Float64Array[];

const EPS = 1e-6;

function linear(x: Rows, w: Float64Array, bias: Float64Array, out: number, rowOffset = 0): Rows {
  return x.map((row) => {
    const n = row.length;
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = bias[rowOffset + o];
      const base = (rowOffset + o) * n;
      for (let i = 0; i < n; i++) s += row[i] * w[base + i];
      y[o] = s;
    }
    return y;
  });
}

function layerNorm(x: Rows, g: Float64Array, b: Float64Array): Rows {
  return x.map((row) => {
    const n = row.length;
    const mean = row.reduce((a, v) => a + v, 0) / n;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const inv = 1 / Math.sqrt(variance + EPS);
    return row.map((v, i) => (v - mean) * inv * g[i] + b[i]);
  });
}

/** gelu_pytorch_tanh. */
export function geluTanh(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

const add = (a: Rows, b: Rows): Rows => a.map((row, i) => row.map((v, j) => v + b[i][j]));

/** softmax(q·kᵀ / √d)·v per head; q rows attend over all k rows (no mask). */
function attention(q: Rows, k: Rows, v: Rows, heads: number): Rows {
  const hidden = q[0].length;
  const hd = hidden / heads;
  const ctx: Rows = q.map(() => new Float64Array(hidden));
  for (let h = 0; h < heads; h++) {
    const off = h * hd;
    for (let i = 0; i < q.length; i++) {
      const scores = k.map((kr) => {
        let s = 0;
        for (let d = 0; d < hd; d++) s += q[i][off + d] * kr[off + d];
        return s / Math.sqrt(hd);
      });
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const sum = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j < k.length; j++) {
        for (let d = 0; d < hd; d++) ctx[i][off + d] += (e[j] / sum) * v[j][off + d];
      }
    }
  }
  return ctx;
}

export interface TowerOutput {
  pooled: Float64Array;
  lastHidden: Rows;
}

export class SiglipReference {
  constructor(
    private readonly dims: SiglipDims,
    private readonly w: WeightLookup,
  ) {}

  private mlp(x: Rows, p: string, inter: number): Rows {
    const h = x[0].length;
    const fc1 = linear(x, this.w(`${p}.fc1.weight`), this.w(`${p}.fc1.bias`), inter);
    const act = fc1.map((r) => r.map(geluTanh));
    return linear(act, this.w(`${p}.fc2.weight`), this.w(`${p}.fc2.bias`), h);
  }

  private ln(x: Rows, p: string): Rows {
    return layerNorm(x, this.w(`${p}.weight`), this.w(`${p}.bias`));
  }

  private encoder(x: Rows, prefix: string, layers: number, heads: number, inter: number): Rows {
    const h = x[0].length;
    let s = x;
    for (let l = 0; l < layers; l++) {
      const p = `${prefix}.encoder.layers.${l}`;
      const a = this.ln(s, `${p}.layer_norm1`);
      const proj = (name: string, rows: Rows) =>
        linear(
          rows,
          this.w(`${p}.self_attn.${name}.weight`),
          this.w(`${p}.self_attn.${name}.bias`),
          h,
        );
      const ctx = attention(proj("q_proj", a), proj("k_proj", a), proj("v_proj", a), heads);
      s = add(s, proj("out_proj", ctx));
      s = add(s, this.mlp(this.ln(s, `${p}.layer_norm2`), `${p}.mlp`, inter));
    }
    return s;
  }

  /** One token sequence (already padded) → pooler_output and last_hidden_state. */
  text(ids: number[]): TowerOutput {
    const d = this.dims;
    const h = d.hidden;
    const tok = this.w("text_model.embeddings.token_embedding.weight");
    const pos = this.w("text_model.embeddings.position_embedding.weight");
    const x = ids.map((id, i) => {
      const row = new Float64Array(h);
      for (let j = 0; j < h; j++) row[j] = tok[id * h + j] + pos[i * h + j];
      return row;
    });
    const enc = this.encoder(x, "text_model", d.textLayers, d.textHeads, d.textIntermediate);
    const lastHidden = this.ln(enc, "text_model.final_layer_norm");
    const last = [lastHidden[lastHidden.length - 1]];
    const [pooled] = linear(
      last,
      this.w("text_model.head.weight"),
      this.w("text_model.head.bias"),
      h,
    );
    return { pooled, lastHidden };
  }

  /** One image, pixels [3, S, S] (normalised) → pooler_output and last_hidden_state. */
  vision(pixels: ArrayLike<number>): TowerOutput {
    const d = this.dims;
    const h = d.hidden;
    const p = d.patchSize;
    const s = d.imageSize;
    const g = s / p;
    const conv = this.w("vision_model.embeddings.patch_embedding.weight");
    const convBias = this.w("vision_model.embeddings.patch_embedding.bias");
    const pos = this.w("vision_model.embeddings.position_embedding.weight");
    const x: Rows = [];
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++) {
        const row = new Float64Array(h);
        for (let o = 0; o < h; o++) {
          let acc = convBias[o];
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
    const enc = this.encoder(
      x,
      "vision_model",
      d.visionLayers,
      d.visionHeads,
      d.visionIntermediate,
    );
    const lastHidden = this.ln(enc, "vision_model.post_layernorm");
    return { pooled: this.poolingHead(lastHidden), lastHidden };
  }

  /** SiglipMultiheadAttentionPoolingHead: nn.MultiheadAttention(probe, x, x), then MLP. */
  private poolingHead(x: Rows): Float64Array {
    const h = this.dims.hidden;
    const hp = "vision_model.head";
    const w = this.w(`${hp}.attention.in_proj_weight`);
    const b = this.w(`${hp}.attention.in_proj_bias`);
    const probe = [Float64Array.from(this.w(`${hp}.probe`))];
    const q = linear(probe, w, b, h, 0);
    const k = linear(x, w, b, h, h);
    const v = linear(x, w, b, h, 2 * h);
    const ctx = attention(q, k, v, this.dims.visionHeads);
    const attnOut = linear(
      ctx,
      this.w(`${hp}.attention.out_proj.weight`),
      this.w(`${hp}.attention.out_proj.bias`),
      h,
    );
    const m = this.mlp(
      this.ln(attnOut, `${hp}.layernorm`),
      `${hp}.mlp`,
      this.dims.visionIntermediate,
    );
    return add(attnOut, m)[0];
  }

  /** SiglipModel.forward's logits_per_text[t][i] = exp(scale)·cos(t, i) + bias. */
  logit(text: Float64Array, image: Float64Array): number {
    const scale = this.w("logit_scale")[0];
    const bias = this.w("logit_bias")[0];
    return Math.exp(scale) * cosine(text, image) + bias;
  }
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
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
