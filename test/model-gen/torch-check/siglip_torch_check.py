"""Dev-time oracle: SigLIP forward with torch modules (nn.MultiheadAttention, nn.Conv2d,
nn.LayerNorm, gelu tanh) on the generator's weights; compares with onnxruntime's outputs."""
import json, sys, math
import torch
import torch.nn as nn
import torch.nn.functional as F

d = json.load(open(sys.argv[1]))
D = d["dims"]; W = d["weights"]
def t(name): return torch.tensor(W[name]["values"], dtype=torch.float64).reshape(W[name]["dims"])
h = D["hidden"]

def ln(x, p): return F.layer_norm(x, (h,), t(p + ".weight"), t(p + ".bias"), eps=1e-6)
def lin(x, p): return F.linear(x, t(p + ".weight"), t(p + ".bias"))
def mha(heads, q, k, v, p_in_w, p_in_b, p_out):
    m = nn.MultiheadAttention(h, heads, batch_first=True).double()
    with torch.no_grad():
        m.in_proj_weight.copy_(p_in_w); m.in_proj_bias.copy_(p_in_b)
        m.out_proj.weight.copy_(t(p_out + ".weight")); m.out_proj.bias.copy_(t(p_out + ".bias"))
    return m(q, k, v, need_weights=False)[0]

def encoder(x, prefix, layers, heads):
    for l in range(layers):
        p = f"{prefix}.encoder.layers.{l}"
        a = ln(x, p + ".layer_norm1")
        sa = p + ".self_attn"
        w_in = torch.cat([t(sa + ".q_proj.weight"), t(sa + ".k_proj.weight"), t(sa + ".v_proj.weight")])
        b_in = torch.cat([t(sa + ".q_proj.bias"), t(sa + ".k_proj.bias"), t(sa + ".v_proj.bias")])
        x = x + mha(heads, a, a, a, w_in, b_in, sa + ".out_proj")
        m = ln(x, p + ".layer_norm2")
        x = x + lin(F.gelu(lin(m, p + ".mlp.fc1"), approximate="tanh"), p + ".mlp.fc2")
    return x

ids = torch.tensor(d["ids"])
x = t("text_model.embeddings.token_embedding.weight")[ids] + t("text_model.embeddings.position_embedding.weight")[: ids.shape[1]]
x = ln(encoder(x, "text_model", D["textLayers"], D["textHeads"]), "text_model.final_layer_norm")
text = lin(x[:, -1, :], "text_model.head")

S = D["imageSize"]; P = D["patchSize"]
px = torch.tensor(d["pixels"], dtype=torch.float64).reshape(-1, 3, S, S)
conv = F.conv2d(px, t("vision_model.embeddings.patch_embedding.weight"), t("vision_model.embeddings.patch_embedding.bias"), stride=P)
x = conv.flatten(2).transpose(1, 2) + t("vision_model.embeddings.position_embedding.weight")
x = ln(encoder(x, "vision_model", D["visionLayers"], D["visionHeads"]), "vision_model.post_layernorm")
hp = "vision_model.head"
probe = t(hp + ".probe").repeat(x.shape[0], 1, 1)
a = mha(D["visionHeads"], probe, x, x, t(hp + ".attention.in_proj_weight"), t(hp + ".attention.in_proj_bias"), hp + ".attention.out_proj")
a = a + lin(F.gelu(lin(ln(a, hp + ".layernorm"), hp + ".mlp.fc1"), approximate="tanh"), hp + ".mlp.fc2")
image = a[:, 0]

te = text / text.norm(p=2, dim=-1, keepdim=True); ie = image / image.norm(p=2, dim=-1, keepdim=True)
logits_per_image = (te @ ie.t() * t("logit_scale").exp() + t("logit_bias")).t()
ort = d["ort"]
def cos(a, b): return F.cosine_similarity(a, torch.tensor(b, dtype=torch.float64), dim=-1)
print("text cos", cos(text, ort["text_pooled"]).tolist())
print("image cos", cos(image, ort["image_pooled"]).tolist())
print("logits max abs diff", (logits_per_image - torch.tensor(ort["logits_per_image"], dtype=torch.float64)).abs().max().item())
print("probs max abs diff", (torch.sigmoid(logits_per_image) - torch.sigmoid(torch.tensor(ort["logits_per_image"], dtype=torch.float64))).abs().max().item())
