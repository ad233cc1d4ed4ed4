"""LLM-serving formulas on plain floats (flop, byte, token counts, seconds).

* Prefill FLOPs (seed paper §4.1, wall 4): linear layers 2·P_active per new token, attention
  (QKᵀ and AV) 4·L·d_model per (new token × context token):

      OPs_prefill = 2·P·n·B + 4·L·d_model·n·S·B      (n = new tokens, S = full context)

* KV cache (Kwon et al. 2023, vLLM/PagedAttention): k bytes per token = 2·L·H_kv·d_head·b
  (from ``TransformerWorkload``); KV(S, B) = k·S·B.
* Paged vs static KV occupancy (Kwon 2023 §3 and Fig. 2): request lengths S ~ min(Exp(θ), S_max), θ chosen
  so that E[S] equals the mean request length. Static allocation reserves S_max tokens per request; paged
  allocation holds ⌈S/p⌉ pages of p tokens, and

      E[⌈S/p⌉] = Σ_{k=0}^{K−1} P(S > k·p) = (1 − r^K)/(1 − r),   r = e^{−p/θ},  K = ⌈S_max/p⌉

  (tail-sum formula for a non-negative integer variable; S > 0 almost surely). Larger pages → more
  internal fragmentation, so page size matters even when S_max is a multiple of p.
* Speculative decoding (Leviathan, Kalman & Matias 2023): with per-token acceptance α and K draft tokens,
  E[tokens per verify step] = (1 − α^{K+1})/(1 − α) = 1 + α(1−α^K)/(1−α)  (= K+1 when α = 1).
* Mixture-of-experts decode: with E experts, top-k routing and B tokens in a step routed independently and
  uniformly, an expert is untouched by one token with probability 1 − k/E, so the expected number of distinct
  experts a layer reads is

      D(B) = E·(1 − (1 − k/E)^B)            (D(1) = k; D → E as B grows)

  and per step the weights read are P_dense + D(B)·P_expert, with P_expert = (P − P_active)/(E − k) the parameters
  of one expert (all layers) and P_dense = P − E·P_expert (attention, embeddings, shared experts).
* Tensor-parallel decode (Shoeybi et al. 2019, Megatron-LM): each transformer layer ends its attention and its MLP
  with an all-reduce of the B·d_model activations, so one decode step costs 2·L ring all-reduces
  (collectives.ring_allreduce), latency term 2(t−1)·α each — small messages make it latency-bound.
"""

from __future__ import annotations

import math

__all__ = [
    "prefill_flops",
    "decode_attention_flops",
    "kv_cache_bytes",
    "capped_exponential_mean",
    "capped_exponential_scale",
    "expected_pages",
    "expected_paged_kv_tokens",
    "speculative_expected_tokens",
    "moe_expected_experts",
    "moe_parameter_split",
    "kv_shards",
]


def prefill_flops(ops_per_token: float, layers: int, d_model: float, new_tokens: float, context: float,
                  batch: float = 1.0) -> float:
    """2·P·n·B + 4·L·d_model·n·S·B, with ``ops_per_token`` = 2·P_active (the workload's ops per token)."""
    return (ops_per_token * new_tokens + 4.0 * layers * d_model * new_tokens * context) * batch


def decode_attention_flops(layers: int, d_model: float, context: float, batch: float = 1.0) -> float:
    """Attention FLOPs of one decode step: 4·L·d_model·S·B (QKᵀ and AV over S cached tokens)."""
    return 4.0 * layers * d_model * context * batch


def kv_cache_bytes(kv_bytes_per_token: float, seq_len: float, batch: float = 1.0) -> float:
    """KV(S, B) = k·S·B with k = 2·L·H_kv·d_head·b bytes per token."""
    return kv_bytes_per_token * seq_len * batch


def capped_exponential_mean(theta: float, cap: float) -> float:
    """E[min(X, cap)] for X ~ Exp(mean θ): θ·(1 − e^{−cap/θ})."""
    if theta <= 0.0:
        return 0.0
    return theta * -math.expm1(-cap / theta)


def capped_exponential_scale(mean: float, cap: float) -> float:
    """θ such that E[min(Exp(θ), cap)] = ``mean`` (0 < mean < cap). Returns ∞ when mean ≥ cap
    (every request at the cap). Bisection in log θ: the capped mean is increasing in θ."""
    if mean >= cap:
        return math.inf
    if mean <= 0.0:
        return 0.0
    lo, hi = mean, mean
    while capped_exponential_mean(hi, cap) < mean:
        hi *= 2.0
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if capped_exponential_mean(mid, cap) < mean:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return 0.5 * (lo + hi)


def expected_pages(theta: float, cap: float, page: float) -> float:
    """E[⌈min(Exp(θ), cap)/p⌉] = (1 − r^K)/(1 − r), r = e^{−p/θ}, K = ⌈cap/p⌉ (θ = ∞ → K)."""
    k = math.ceil(cap / page - 1e-12)
    if math.isinf(theta):
        return float(k)
    if theta <= 0.0:
        return 0.0
    x = page / theta
    # (1 - r^K)/(1 - r) with expm1 for accuracy when p ≪ θ
    return math.expm1(-k * x) / math.expm1(-x)


def expected_paged_kv_tokens(mean: float, cap: float, page: float) -> float:
    """Expected tokens of KV held per request under paging: p·E[⌈S/p⌉]."""
    return page * expected_pages(capped_exponential_scale(mean, cap), cap, page)


def speculative_expected_tokens(alpha: float, k: int) -> float:
    """Expected tokens accepted per target verify step: 1 + α(1 − α^K)/(1 − α); K + 1 at α = 1."""
    if alpha >= 1.0:
        return float(k + 1)
    return 1.0 + alpha * (1.0 - alpha**k) / (1.0 - alpha)


def moe_expected_experts(experts: int, top_k: int, tokens: float) -> float:
    """Expected distinct experts touched per layer by ``tokens`` tokens: E·(1 − (1 − k/E)^B)."""
    if tokens <= 0:
        return 0.0
    if top_k >= experts:
        return float(experts)
    return experts * -math.expm1(tokens * math.log1p(-top_k / experts))


def moe_parameter_split(params: float, active: float, experts: int, top_k: int) -> tuple[float, float]:
    """(P_dense, P_expert): P_expert = (P − P_active)/(E − k), P_dense = P − E·P_expert (≥ 0).
    E = k (every expert always active) → the model is dense for traffic purposes: (P, 0)."""
    if experts <= top_k:
        return params, 0.0
    per_expert = (params - active) / (experts - top_k)
    return max(params - experts * per_expert, 0.0), per_expert


def kv_shards(tp: int, kv_heads: int, latent: bool) -> int:
    """Ranks the KV cache is split over under tensor parallelism: the KV heads are divided among the ranks, so
    min(t, H_kv) (a head is replicated when t > H_kv); a latent (MLA) cache is replicated on every rank → 1."""
    if latent or kv_heads <= 0:
        return 1
    return max(1, min(tp, kv_heads))
