"""Model zoo: language, vision, state-space, generative and TinyML workloads with provenance.

Conventions:

* ``params`` are published counts (the released checkpoint where the paper rounds, e.g. Llama 2
  70B = 68.98e9 — the notes say so).
* Operation counts follow :mod:`mlsysim_core.types.workloads`: decoder LMs default to 2·P FLOP per
  token (2·P_active for MoE); ``flops`` overrides that with a per-sample figure — per 128-token
  sequence for BERT, per image for vision (2 FLOP per multiply-accumulate; papers and torchvision
  quote MACs as "FLOPs"), per denoising step for diffusion.
* ``tokens`` is the published pre-training token count.

Rows become workload objects lazily, on first access.
"""

from __future__ import annotations

import datetime as _dt

from ._registry import Group, Zoo

__all__ = ["Models", "VERIFIED", "ROWS"]

VERIFIED = _dt.date(2026, 11, 23)

_LLAMA2 = "https://arxiv.org/abs/2307.09288"
_LLAMA3 = "https://arxiv.org/abs/2407.21783"
_BERT = "https://arxiv.org/abs/1810.04805"
_MAMBA = "https://arxiv.org/abs/2312.00752"

# type: dense | moe | cnn | ssm | diffusion. Common keys: name, params, layers, src, kind, notes.
ROWS: dict[str, dict] = {
    # ------------------------------------------------------------------ language (decoders)
    "GPT2_Small": dict(grp="Language", type="dense", name="GPT-2 Small", params=124e6, layers=12,
        hidden=768, heads=12, ctx=1024,
        src="https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf",
        kind="paper", notes="Paper Table 2 says 117M; the released checkpoint has 124M parameters (used here)."),
    "GPT3": dict(grp="Language", type="dense", name="GPT-3 175B", params=175e9, layers=96, hidden=12288,
        heads=96, ctx=2048, tokens=300e9, src="https://arxiv.org/abs/2005.14165", kind="paper",
        notes="Brown et al. 2020, Table 2.1 (96 layers, d_model 12288, 96 heads, 2048 context); 300B training tokens."),
    "GPT4": dict(grp="Language", type="moe", name="GPT-4 (MoE estimate)", params=1.76e12, active=280e9,
        experts=16, topk=2, layers=120, hidden=16384, heads=128, ctx=8192, tokens=13e12,
        src="https://www.semianalysis.com/p/gpt-4-architecture-infrastructure", kind="estimate",
        notes="OpenAI published no architecture. Third-party estimate: ~1.8T parameters, 120 layers, 16 experts "
              "top-2, ~280B active per token, ~13T training tokens. hidden 16384 / 128 heads: illustrative guesses."),
    "Llama2_7B": dict(grp="Language", type="dense", name="Llama 2 7B", params=6.74e9, layers=32, hidden=4096,
        heads=32, ctx=4096, tokens=2e12, src=_LLAMA2, kind="paper",
        notes="Touvron et al. 2023: 2T training tokens, 4k context, MHA for 7B/13B. 6.74e9 = released checkpoint count."),
    "Llama2_13B": dict(grp="Language", type="dense", name="Llama 2 13B", params=13.0e9, layers=40, hidden=5120,
        heads=40, ctx=4096, tokens=2e12, src=_LLAMA2, kind="paper",
        notes="Touvron et al. 2023; 13.0e9 = released checkpoint count (13,015,864,320)."),
    "Llama2_70B": dict(grp="Language", type="dense", name="Llama 2 70B", params=68.98e9, layers=80, hidden=8192,
        heads=64, kv=8, ctx=4096, tokens=2e12, src=_LLAMA2, kind="paper",
        notes="Touvron et al. 2023: GQA with 8 KV heads for 70B. 68.98e9 = released checkpoint count ('70B' nominal)."),
    "Llama3_8B": dict(grp="Language", type="dense", name="Llama 3 8B", params=8.03e9, layers=32, hidden=4096,
        heads=32, kv=8, ctx=8192, tokens=15e12, src=_LLAMA3, kind="paper",
        notes="Llama 3 paper Table 3 (32 layers, 4096, 32 heads, 8 KV heads); 15T+ training tokens; 8k context (3.1: 128k)."),
    "Llama3_70B": dict(grp="Language", type="dense", name="Llama 3 70B", params=70.6e9, layers=80, hidden=8192,
        heads=64, kv=8, ctx=8192, tokens=15e12, src=_LLAMA3, kind="paper",
        notes="Llama 3 paper Table 3; 70.6e9 = released checkpoint count; 15T+ training tokens."),
    "Llama3_405B": dict(grp="Language", type="dense", name="Llama 3.1 405B", params=405e9, layers=126,
        hidden=16384, heads=128, kv=8, ctx=131072, tokens=15.6e12, src=_LLAMA3, kind="paper",
        notes="Llama 3 paper Table 3 (126 layers, 16384, 128 heads, 8 KV heads); 15.6T tokens; 128k context; trained "
              "on up to 16,384 H100 GPUs."),
    "Mixtral_8x7B": dict(grp="Language", type="moe", name="Mixtral 8x7B", params=46.7e9, active=12.9e9,
        experts=8, topk=2, layers=32, hidden=4096, heads=32, kv=8, ctx=32768,
        src="https://arxiv.org/abs/2401.04088", kind="paper",
        notes="Jiang et al. 2024: 46.7B total, 12.9B active, 8 experts top-2, 32k context, GQA 8 KV heads."),
    "DeepSeek_V3": dict(grp="Language", type="moe", name="DeepSeek-V3", params=671e9, active=37e9, experts=256,
        topk=8, layers=61, hidden=7168, heads=128, kv_lora=512, rope=64, ctx=131072, tokens=14.8e12,
        src="https://arxiv.org/abs/2412.19437", kind="paper",
        notes="DeepSeek-AI 2024: 671B total / 37B active, 61 layers, d 7168, 128 heads, MLA (kv_lora_rank 512, "
              "qk_rope_head_dim 64), 256 routed experts top-8 PLUS 1 always-active shared expert per MoE layer "
              "(counted in the 37B; first 3 layers dense). 14.8T tokens. The 14B multi-token-prediction module "
              "(685B on the Hub) is excluded."),
    # ------------------------------------------------------------------ language (encoders)
    "BERT_Base": dict(grp="Language", type="dense", role="encoder", name="BERT-Base", params=110e6, layers=12,
        hidden=768, heads=12, ctx=512, flops="22.3 GFLOP", src=_BERT, kind="derived",
        notes="Devlin et al. 2019: 110M params, L=12, H=768, A=12. flops per 128-token sequence [derived]: "
              "2 x 84.9M non-embedding params x 128 + attention 4*L*S^2*H = 21.7 + 0.6 GFLOP."),
    "BERT_Large": dict(grp="Language", type="dense", role="encoder", name="BERT-Large", params=340e6, layers=24,
        hidden=1024, heads=16, ctx=512, flops="78.9 GFLOP", src=_BERT, kind="derived",
        notes="Devlin et al. 2019: 340M params, L=24, H=1024, A=16. flops per 128-token sequence [derived]: "
              "2 x 302M non-embedding params x 128 + 4*L*S^2*H = 77.3 + 1.6 GFLOP."),
    # ------------------------------------------------------------------ vision
    "ResNet18": dict(grp="Vision", type="cnn", name="ResNet-18", params=11.69e6, layers=18, res=224,
        flops="3.6 GFLOP", src="https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet18.html",
        kind="dataset", notes="torchvision: 11,689,512 params, 1.81 GMAC ('GFLOPS') at 224 px; x2 FLOP/MAC. He et al. 2016."),
    "ResNet50": dict(grp="Vision", type="cnn", name="ResNet-50", params=25.6e6, layers=50, res=224,
        flops="8.2 GFLOP", src="https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet50.html",
        kind="dataset", notes="torchvision: 25,557,032 params, 4.09 GMAC at 224 px -> 8.2 GFLOP (2 FLOP/MAC). "
                              "He et al. 2016 report 3.8e9 multiply-adds; older registries used 4.1 'GFLOP' (MACs)."),
    "MobileNetV2": dict(grp="Vision", type="cnn", name="MobileNetV2 1.0", params=3.504872e6, layers=53, res=224,
        flops="0.6 GFLOP", src="https://arxiv.org/abs/1801.04381", kind="paper",
        notes="Sandler et al. 2018, Table 4: 3.4M params, 300M multiply-adds -> 0.6 GFLOP. 3,504,872 = torchvision count."),
    "YOLOv8_Nano": dict(grp="Vision", type="cnn", name="YOLOv8n", params=3.2e6, layers=225, res=640,
        flops="8.7 GFLOP", src="https://docs.ultralytics.com/models/yolov8/", kind="vendor",
        notes="Ultralytics detection table: 3.2M params, 8.7 B FLOPs at 640 px (already 2 x MACs); 225 layers unfused."),
    "ViT_B16": dict(grp="Vision", type="dense", role="encoder", name="ViT-B/16", params=86.6e6, layers=12,
        hidden=768, heads=12, ctx=197, flops="35.1 GFLOP",
        src="https://pytorch.org/vision/stable/models/generated/torchvision.models.vit_b_16.html", kind="dataset",
        notes="Dosovitskiy et al. 2021. torchvision: 86,567,656 params, 17.56 GMAC at 224 px (197 tokens) -> 35.1 GFLOP "
              "per image. Modelled as an encoder transformer: one sample = one image sequence."),
    # ------------------------------------------------------------------ state space
    "Mamba_130M": dict(grp="StateSpace", type="ssm", name="Mamba-130M", params=130e6, layers=24, hidden=768,
        state=16, src=_MAMBA, kind="paper",
        notes="Gu & Dao 2023; HF config state-spaces/mamba-130m: d_model 768, 24 layers, d_state 16. The type's "
              "state size L*d*N omits the expand=2 inner width and the conv state (real state ~2x larger)."),
    "Mamba_2_8B": dict(grp="StateSpace", type="ssm", name="Mamba-2.8B", params=2.8e9, layers=64, hidden=2560,
        state=16, src=_MAMBA, kind="paper",
        notes="Gu & Dao 2023; HF config state-spaces/mamba-2.8b: d_model 2560, 64 layers, d_state 16."),
    # ------------------------------------------------------------------ generative
    "StableDiffusion_v1_5": dict(grp="Generative", type="diffusion", name="Stable Diffusion v1.5", params=860e6,
        steps=50, res=512, flops="678 GFLOP", src="https://arxiv.org/abs/2305.15798", kind="estimate",
        notes="U-Net only: 860M params (Rombach et al. 2022 / model card), 50 PNDM steps, 512 px (64x64 latent). "
              "Per-step FLOPs: ~339 GMAC per U-Net evaluation as reported for SD-v1.x by BK-SDM (Kim et al. 2023), "
              "x2 FLOP/MAC [estimate]. Classifier-free guidance doubles U-Net evaluations; text encoder (123M) "
              "and VAE decoder are not counted."),
    # ------------------------------------------------------------------ tiny
    "DS_CNN": dict(grp="Tiny", type="cnn", name="DS-CNN (small) keyword spotting", params=38.6e3, layers=6, res=49,
        flops="5.4 MFLOP", src="https://arxiv.org/abs/1711.07128", kind="paper",
        notes="Zhang et al. 2017 'Hello Edge', DS-CNN small: 38.6K weights (8-bit memory), 5.4M ops per 1 s "
              "inference (49x10 MFCC), 94.4% on Speech Commands. Paper 'ops' taken as FLOP."),
}

_GROUP_DOCS = {
    "Language": "Decoder and encoder language models (dense and MoE).",
    "Vision": "Image classifiers and detectors (per-image FLOPs).",
    "StateSpace": "State-space (Mamba) language models.",
    "Generative": "Latent diffusion image generators (FLOPs per denoising step).",
    "Tiny": "TinyML models for microcontrollers.",
}

_DEFAULT_FIELDS = ("family", "parameters", "layers")


def build_model(key: str, r: dict):
    """Turn one declarative row into a validated workload object."""
    from ..types import (CNNWorkload, DiffusionWorkload, Provenance, SparseTransformerWorkload, SSMWorkload,
                         TransformerWorkload)

    prov = Provenance(source=r["src"], verified=VERIFIED, kind=r.get("kind", "paper"), notes=r.get("notes", ""))
    common = dict(name=r["name"], parameters=r["params"], provenance=prov)
    if r.get("layers"):
        common["layers"] = r["layers"]
    if r.get("flops"):
        common["inference_flops"] = r["flops"]
    kind = r["type"]
    if kind in ("dense", "moe"):
        tf = dict(hidden_dim=r["hidden"], heads=r["heads"], kv_heads=r.get("kv"), kv_lora_rank=r.get("kv_lora"),
                  qk_rope_head_dim=r.get("rope"), context_length=r.get("ctx", 4096),
                  training_tokens=r.get("tokens"), role=r.get("role", "decoder"))
        if kind == "moe":
            return SparseTransformerWorkload(**common, **tf, active_parameters=r["active"], experts=r["experts"],
                                             active_experts_per_token=r["topk"])
        return TransformerWorkload(**common, **tf)
    if kind == "cnn":
        return CNNWorkload(**common, input_resolution=r.get("res"))
    if kind == "ssm":
        return SSMWorkload(**common, hidden_dim=r["hidden"], state_size=r["state"])
    if kind == "diffusion":
        return DiffusionWorkload(**common, denoising_steps=r["steps"], resolution=r["res"])
    raise ValueError(f"{key}: unknown model type {kind!r}")


Models = Zoo(
    "Models",
    {
        g: Group(f"Models.{g}", {k: r for k, r in ROWS.items() if r["grp"] == g}, build_model,
                 doc=doc, default_fields=_DEFAULT_FIELDS)
        for g, doc in _GROUP_DOCS.items()
    },
    doc="Published model architectures: Models.Language.Llama3_70B, Models.Vision.ResNet50, Models.get('gpt3').",
    default_fields=_DEFAULT_FIELDS,
)
