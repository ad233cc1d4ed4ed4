"""Training compute and per-rank memory, pure floats (bytes, flop).

Sources: Kaplan et al. 2020 (C ≈ 6·N per token); Chowdhery et al. 2022 PaLM App. B (attention term
12·L·h·s per token); Korthikanti et al. 2022 "Reducing Activation Recomputation in Large Transformer
Models" Table 2 (activation bytes per layer); Rajbhandari et al. 2020 ZeRO (optimizer/gradient/weight
sharding); Hu et al. 2021 LoRA; Narayanan et al. 2021 (1F1B in-flight microbatches).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .constants import ADAM_BYTES_PER_PARAM, TRAINING_FLOPS_PER_PARAM_TOKEN

__all__ = [
    "OPTIMIZER_BYTES",
    "ACTIVATION_STRATEGIES",
    "COMM_BUFFER_FRACTION",
    "attention_flops_per_token",
    "training_flops",
    "activation_bytes_per_layer",
    "lora_trainable_fraction",
    "TrainingMemory",
    "training_memory_per_rank",
    "routed_expert_params",
]

#: Optimizer state bytes per trainable parameter (mixed precision: fp32 master + moments).
OPTIMIZER_BYTES: dict[str, float] = {
    "adam": float(ADAM_BYTES_PER_PARAM),  # fp32 master 4 + m 4 + v 4
    "adamw": float(ADAM_BYTES_PER_PARAM),
    "sgd": 4.0,  # fp32 master (momentum-free)
    "none": 0.0,  # frozen / inference-style
}

#: Korthikanti et al. 2022 strategies: "none" stores everything (34 + 5as/h)·sbh, "selective" recomputes
#: only the attention score/softmax/dropout (34·sbh; what FlashAttention does anyway), "full" keeps only
#: each layer's input (2·sbh) and recomputes the layer in the backward pass (+1 forward ⇒ 8·P FLOP/token).
#: "partial" (compiler rematerialisation, e.g. PaLM/XLA) recomputes a fraction r of the forward pass:
#: see :func:`activation_bytes_per_layer` and :func:`training_flops` (``recompute_fraction``).
ACTIVATION_STRATEGIES = ("none", "selective", "full")

#: Activation bytes per s·b·h per layer kept by the selective (34) and full (2) strategies (Korthikanti 2022).
SELECTIVE_ACT_COEFF = 34.0
FULL_ACT_COEFF = 2.0

#: Gradient-bucket / communication scratch as a fraction of gradient bytes (upstream convention).
COMM_BUFFER_FRACTION = 0.05

#: LoRA adapters on the four attention projections (Hu et al. 2021 apply them to W_q, W_k, W_v, W_o).
LORA_PROJECTIONS_PER_LAYER = 4


def attention_flops_per_token(layers: int, seq_len: float, hidden: float) -> float:
    """Training FLOPs per token spent in attention score/value products (PaLM App. B).

    12 · L · h · s   (forward 4·L·h·s: QKᵀ and A·V at 2 FLOP/MAC; backward 2× forward; no causal halving)
    """
    return 12.0 * layers * hidden * seq_len


def training_flops(
    active_params: float,
    tokens: float,
    *,
    layers: int = 0,
    seq_len: float = 0.0,
    hidden: float = 0.0,
    include_attention: bool = False,
    full_recompute: bool = False,
    recompute_fraction: float = 0.0,
) -> float:
    """Training FLOPs for ``tokens`` tokens.

    C = 6 · P_active · tokens                        (Kaplan 2020: 2 forward + 4 backward per param)
      + 12 · L · h · s · tokens                      (optional attention term, PaLM App. B)
    × (1 + r/3) when a fraction r of the forward pass (2 of the 6) is recomputed in the backward pass —
    hardware FLOPs, not model FLOPs. Full recomputation is r = 1 (× 4/3, ``full_recompute=True``);
    PaLM's rematerialisation has HFU/MFU = 57.8/46.2 = 1.25 ⇒ r ≈ 0.75 (Chowdhery et al. 2022, App. B).
    """
    per_token = TRAINING_FLOPS_PER_PARAM_TOKEN * active_params
    if include_attention:
        per_token += attention_flops_per_token(layers, seq_len, hidden)
    c = per_token * tokens
    r = 1.0 if full_recompute else recompute_fraction
    return c * (1.0 + r / 3.0) if r > 0.0 else c


def activation_bytes_per_layer(
    seq_len: float,
    microbatch: float,
    hidden: float,
    heads: float,
    bytes_per_value: float,
    strategy: str = "selective",
    tp: int = 1,
    recompute_fraction: float = 1.0,
) -> float:
    """Activation bytes one transformer layer keeps for the backward pass (Korthikanti 2022, Table 2).

    none:       s·b·h·(34 + 5·a·s/h)
    selective:  34·s·b·h
    full:       2·s·b·h
    partial:    ((1 − r)·34 + r·2)·s·b·h   — a fraction r of the forward pass is recomputed, so that share
                of the stored intermediates is dropped (first-order linear interpolation between selective,
                r = 0, and full, r = 1; ``recompute_fraction`` = r, used only by "partial")
    The constants assume 16-bit activations, so they are scaled by bytes/2; with tensor parallelism
    sequence parallelism is assumed, so every term is divided by t.
    """
    sbh = seq_len * microbatch * hidden
    if strategy == "full":
        per = FULL_ACT_COEFF * sbh
    elif strategy == "selective":
        per = SELECTIVE_ACT_COEFF * sbh
    elif strategy == "partial":
        r = min(max(recompute_fraction, 0.0), 1.0)
        per = ((1.0 - r) * SELECTIVE_ACT_COEFF + r * FULL_ACT_COEFF) * sbh
    elif strategy == "none":
        per = 34.0 * sbh + 5.0 * heads * seq_len * seq_len * microbatch
    else:  # pragma: no cover - resolvers validate first
        raise ValueError(f"unknown activation strategy {strategy!r}")
    return per * (bytes_per_value / 2.0) / max(tp, 1)


def lora_trainable_fraction(rank: int, hidden: float, layers: int, params: float) -> float:
    """Fraction of parameters trained by LoRA of rank r on the 4 attention projections:
    f = 4 · L · 2·r·h / P  (each adapter is an h×r and an r×h matrix), capped at 1."""
    if params <= 0:
        return 1.0
    return min(1.0, LORA_PROJECTIONS_PER_LAYER * layers * 2.0 * rank * hidden / params)


class TrainingMemory(NamedTuple):
    """Per-rank training memory in bytes."""

    weights: float
    gradients: float
    optimizer_state: float
    activations: float
    buffers: float
    layers_per_stage: int
    in_flight_microbatches: int

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer_state + self.activations + self.buffers


def training_memory_per_rank(
    *,
    params: float,
    bytes_per_param: float,
    layers: int,
    hidden: float,
    heads: float,
    seq_len: float,
    microbatch: float,
    microbatch_count: int = 1,
    tp: int = 1,
    pp: int = 1,
    dp: int = 1,
    ep: int = 1,
    zero_stage: int = 0,
    optimizer_bytes: float = float(ADAM_BYTES_PER_PARAM),
    trainable_fraction: float = 1.0,
    activation_strategy: str = "selective",
    comm_buffer_fraction: float = COMM_BUFFER_FRACTION,
    recompute_fraction: float = 1.0,
    expert_params: float = 0.0,
) -> TrainingMemory:
    """Bytes one accelerator holds while training (mixed precision, Adam-style optimizer).

    Parameters per rank  P_r = (P − P_E)/(tp·pp) + P_E/(tp·pp·ep)
                         (P_E = ``expert_params``, the routed experts' parameters: only they are sharded over ep;
                         attention, embeddings and shared experts are replicated across the ep group —
                         DeepSeek-V3 at pp 16, ep 64: 16.6 B/16 + 654 B/1024 = 1.68 B, not 671 B/1024 = 0.66 B)
    weights     = P_r · b                           ÷ dp if ZeRO-3
    gradients   = f · P_r · b                       ÷ dp if ZeRO ≥ 2   (f = trainable fraction, LoRA)
    optimizer   = f · P_r · opt_bytes (Adam 12 B)   ÷ dp if ZeRO ≥ 1   (Rajbhandari 2020)
    activations = ⌈L/pp⌉ · min(m, pp) · act_layer(s, micro-batch, h, a, b, strategy, tp[, r for "partial"])
                  (1F1B: the first stage holds up to pp micro-batches in flight; without pipelining,
                  one micro-batch at a time — gradient accumulation runs them sequentially)
    buffers     = 0.05 · gradients + (pp > 1 ? 2 · micro-batch · s · h · b / tp : 0)  (send/recv of
                  stage-boundary activations, sharded by sequence parallelism)
    """
    expert = min(max(expert_params, 0.0), params)
    p_rank = (params - expert) / (tp * pp) + expert / (tp * pp * ep)
    dp = max(dp, 1)
    weights = p_rank * bytes_per_param
    grads = trainable_fraction * p_rank * bytes_per_param
    opt = trainable_fraction * p_rank * optimizer_bytes
    if zero_stage >= 1:
        opt /= dp
    if zero_stage >= 2:
        grads /= dp
    if zero_stage >= 3:
        weights /= dp
    layers_per_stage = math.ceil(layers / pp)
    in_flight = min(max(int(microbatch_count), 1), pp) if pp > 1 else 1
    act = layers_per_stage * in_flight * activation_bytes_per_layer(
        seq_len, microbatch, hidden, heads, bytes_per_param, activation_strategy, tp, recompute_fraction
    )
    buffers = comm_buffer_fraction * grads
    if pp > 1:
        buffers += 2.0 * microbatch * seq_len * hidden * bytes_per_param / max(tp, 1)
    return TrainingMemory(weights, grads, opt, act, buffers, layers_per_stage, in_flight)


def routed_expert_params(params: float, active: float, experts: int, top_k: int) -> float:
    """Parameters of all routed experts, E·P_expert with P_expert = (P − P_active)/(E − k) (0 when E = k)."""
    if experts <= top_k:
        return 0.0
    return experts * (params - active) / (experts - top_k)
