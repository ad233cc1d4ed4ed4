"""Serving-side node walls: ServingModel (4), ContinuousBatchingModel (5), WeightStreamingModel (6)."""

from __future__ import annotations

import math

from ..physics import serving as sv
from ..physics.constants import (
    DEFAULT_EFFICIENCY,
    DEFAULT_NETWORK_BW,
    FALLBACK_INJECTION_BW,
    FRAMEWORK_LAYER_TAX_S,
    KV_PAGE_TOKENS,
    SPECULATIVE_DRAFT_TOKENS,
    WAFER_KV_OVERHEAD,
)
from ..types.hardware import HardwareNode
from ..types.workloads import TransformerWorkload, Workload
from ..units import si
from ..validation import InputError, check_choice, check_fraction, check_int, check_number, check_type
from .base import Qty, Resolver, Result
from .node import check_efficiency

__all__ = [
    "ServingModel", "ServingResult", "ContinuousBatchingModel", "ContinuousBatchingResult",
    "WeightStreamingModel", "WeightStreamingResult",
]


# default prefill→decode link, as a string so the signature shows it; also the "not given" sentinel (identity)
_DEFAULT_NET_BW = f"{DEFAULT_NETWORK_BW / 1e9:g} GB/s"


def _d_model(w) -> float:
    """Model width for the attention term: hidden_dim, or heads·d_head (0 when unknown)."""
    return float(w.hidden) if w.hidden else w.heads * w.d_head


# ------------------------------------------------------------------------------------------------
# Wall 4: TTFT / ITL
# ------------------------------------------------------------------------------------------------
class ServingResult(Result):
    ttft: Qty("ms")
    itl: Qty("ms")
    kv_cache_size: Qty("GB")
    model_weights_size: Qty("GB")
    total_memory_required: Qty("GB")
    memory_capacity: Qty("GB")
    memory_utilization: float
    prefill_flops: Qty("TFLOP")
    prefill_compute_time: Qty("ms")
    kv_transfer_time: Qty("ms")
    decode_tokens_per_sec: Qty("token/s")
    new_tokens: int
    prompt_cache_hit_ratio: float
    prefill_chunks: int
    prefill_chunk_time: Qty("ms")
    decode_stall_bound: Qty("ms")
    speculative_expected_tokens: float
    itl_bottleneck: str
    disaggregated: bool


class ServingModel(Resolver):
    """Wall 4 (Serving) — time to first token and inter-token latency of an LLM (seed paper §4.1, wall 4).

        n = S − cached_prefix_len                                    (prefix caching skips cached tokens)
        OPs_prefill = 2·P·n·B + 4·L·d_model·n·S·B
        TTFT = Σ_chunks [max(OPs_chunk/(Peak·η), |W|/BW) + t_dispatch]  (+ KV/BW_net when disaggregated)
        KV   = 2·L·H_kv·d_head·b · S·B                               (Kwon 2023)
        ITL  = max((|W| + KV)/BW_decode, (2·P·B + 4·L·d·S·B)/(Peak·η)) + L·0.01 ms
        speculative (Leviathan 2023): E = 1 + α(1−α^K)/(1−α);  ITL = (K·t_draft + t_verify)/E
        feasible ⇔ |W| + KV (+ draft) ≤ capacity of every device holding them

    The |W|/BW floor in each prefill chunk is the roofline: a prefill chunk cannot beat one pass over the
    weights (it only binds for very short prompts or tiny chunks). Disaggregated serving (``decode_hardware``)
    prefills on ``hardware``, ships the KV cache over ``network_bandwidth``, and decodes on ``decode_hardware``.
    """

    walls = (4,)
    kind = "model"
    result_type = ServingResult
    equation = "TTFT = OPs_prefill/(Peak·η) + t_dispatch; ITL = (|W| + KV)/BW_mem + L·t_layer"

    def solve(self, *, model, hardware, seq_len, batch_size=1, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              decode_hardware=None, network_bandwidth=_DEFAULT_NET_BW, draft_model=None, draft_acceptance_rate=0.7,
              speculative_tokens=SPECULATIVE_DRAFT_TOKENS, cached_prefix_len=0,
              prefill_chunk_tokens=None) -> ServingResult:
        check_type("model", model, TransformerWorkload)
        check_type("hardware", hardware, HardwareNode)
        S = check_int("seq_len", seq_len)
        B = check_int("batch_size", batch_size)
        eta = check_efficiency(efficiency)
        cached = check_int("cached_prefix_len", cached_prefix_len, minimum=0)
        if cached >= S:
            raise InputError("cached_prefix_len", f"must be < seq_len ({S}), got {cached}")
        w = model.si(precision)
        peak = hardware.peak_si(precision)
        h = hardware.si
        dec_hw = hardware
        if decode_hardware is not None:
            dec_hw = check_type("decode_hardware", decode_hardware, HardwareNode)
        net_bw = 0.0
        if decode_hardware is not None or network_bandwidth is not _DEFAULT_NET_BW:
            net_bw = si(network_bandwidth, "bandwidth", name="network_bandwidth")
        hd = dec_hw.si
        peak_dec = dec_hw.peak_si(precision)
        chunk = None
        if prefill_chunk_tokens is not None:
            chunk = check_int("prefill_chunk_tokens", prefill_chunk_tokens)
        alpha = check_fraction("draft_acceptance_rate", draft_acceptance_rate)
        K = check_int("speculative_tokens", speculative_tokens)
        if draft_model is not None:
            check_type("draft_model", draft_model, TransformerWorkload)
            wd = draft_model.si(precision)

        d = _d_model(w)
        L = w.layers
        n = S - cached
        trace: list[str] = []

        # --- prefill (TTFT) ---
        flops = sv.prefill_flops(w.ops, L, d, n, S, B)
        peak_eff = peak * eta
        t_floor = w.weight_bytes / h.mem_bw
        n_chunks = 1 if chunk is None else math.ceil(n / chunk)
        if n_chunks == 1:
            t_chunk = max(flops / peak_eff, t_floor) + h.dispatch
            ttft_compute = t_chunk
            stall = t_chunk
        else:
            full = sv.prefill_flops(w.ops, L, d, chunk, S, B)
            last_tokens = n - (n_chunks - 1) * chunk
            last = sv.prefill_flops(w.ops, L, d, last_tokens, S, B)
            t_full = max(full / peak_eff, t_floor) + h.dispatch
            t_last = max(last / peak_eff, t_floor) + h.dispatch
            ttft_compute = (n_chunks - 1) * t_full + t_last
            t_chunk = t_full
            stall = max(t_full, t_last)
            trace.append(f"Chunked prefill: {n_chunks} chunks of ≤{chunk} tokens, {t_full * 1e3:.4g} ms each "
                         f"(decode stalls ≤ {stall * 1e3:.4g} ms)")
        kv = sv.kv_cache_bytes(w.kv_bytes_per_token, S, B)
        t_xfer = kv / net_bw if decode_hardware is not None else 0.0
        ttft = ttft_compute + t_xfer
        if cached:
            trace.append(f"Prefix cache: {cached}/{S} tokens cached, prefill computes {n} new tokens")
        if t_xfer:
            trace.append(f"Disaggregated: KV {kv / 1e9:.4g} GB over {net_bw / 1e9:.4g} GB/s adds "
                         f"{t_xfer * 1e3:.4g} ms to TTFT")

        # --- decode (ITL) ---
        t_mem = (w.weight_bytes + kv) / hd.mem_bw
        t_cmp = (w.ops * B + sv.decode_attention_flops(L, d, S, B)) / (peak_dec * eta)
        itl_bn = "Memory" if t_mem >= t_cmp else "Compute"
        t_verify = max(t_mem, t_cmp) + L * FRAMEWORK_LAYER_TAX_S
        e_tokens = 1.0
        draft_bytes = 0.0
        if draft_model is not None:
            draft_kv = sv.kv_cache_bytes(wd.kv_bytes_per_token, S, B)
            draft_bytes = wd.weight_bytes + draft_kv
            t_draft = draft_bytes / hd.mem_bw + wd.layers * FRAMEWORK_LAYER_TAX_S
            e_tokens = sv.speculative_expected_tokens(alpha, K)
            itl = (K * t_draft + t_verify) / e_tokens
            trace.append(f"Speculative decoding: K={K}, α={alpha:.2f} → E[tokens/step] = {e_tokens:.3f}; "
                         f"ITL {t_verify * 1e3:.4g} → {itl * 1e3:.4g} ms")
        else:
            itl = t_verify

        # --- memory ---
        total = w.weight_bytes + kv + draft_bytes
        cap = hd.mem_capacity
        feasible = total <= cap
        if decode_hardware is not None and w.weight_bytes + kv > h.mem_capacity:
            feasible = False
            trace.append(f"Memory wall: prefill device {hardware.name} needs {(w.weight_bytes + kv) / 1e9:.4g} GB "
                         f"> {h.mem_capacity / 1e9:.4g} GB")
        if total > cap:
            trace.append(f"Memory wall: weights {w.weight_bytes / 1e9:.4g} GB + KV {kv / 1e9:.4g} GB"
                         f"{f' + draft {draft_bytes / 1e9:.4g} GB' if draft_bytes else ''} = {total / 1e9:.4g} GB "
                         f"> {cap / 1e9:.4g} GB on {dec_hw.name}")
        trace.insert(0, f"TTFT {ttft * 1e3:.4g} ms ({flops / 1e12:.4g} TFLOP prefill); ITL {itl * 1e3:.4g} ms "
                        f"({itl_bn.lower()}-bound decode, KV {kv / 1e9:.4g} GB)")
        return ServingResult.build(
            feasible=feasible, binding_wall=4 if feasible else 2, trace=trace,
            ttft=ttft, itl=itl, kv_cache_size=kv, model_weights_size=w.weight_bytes, total_memory_required=total,
            memory_capacity=cap, memory_utilization=total / cap, prefill_flops=flops,
            prefill_compute_time=ttft_compute, kv_transfer_time=t_xfer, decode_tokens_per_sec=B / itl,
            new_tokens=n, prompt_cache_hit_ratio=cached / S, prefill_chunks=n_chunks, prefill_chunk_time=t_chunk,
            decode_stall_bound=stall, speculative_expected_tokens=e_tokens, itl_bottleneck=itl_bn,
            disaggregated=decode_hardware is not None,
        )


# ------------------------------------------------------------------------------------------------
# Wall 5: continuous batching, paged vs static KV
# ------------------------------------------------------------------------------------------------
class ContinuousBatchingResult(Result):
    throughput_tokens_per_sec: Qty("token/s")
    max_active_requests: int
    static_throughput_tokens_per_sec: Qty("token/s")
    static_max_active_requests: int
    speedup_vs_static: float
    mean_request_tokens: float
    max_seq_len: int
    page_size: int
    expected_pages_per_request: float
    paged_internal_fragmentation: float
    static_internal_fragmentation: float
    paged_kv_cache_size: Qty("GB")
    static_kv_cache_size: Qty("GB")
    kv_budget: Qty("GB")
    ttft: Qty("ms")
    itl: Qty("ms")
    static_itl: Qty("ms")

    @property
    def memory_fragmentation_pct(self) -> float:
        """Upstream (0.1.2) name: paged internal fragmentation in percent."""
        return 100.0 * self.paged_internal_fragmentation


class ContinuousBatchingModel(Resolver):
    """Wall 5 (Batching) — how many requests fit in the KV cache with paged vs static allocation
    (Kwon et al. 2023, PagedAttention §3, Fig. 2; Yu et al. 2022, Orca continuous batching).

        M_KV = capacity − |W|;  k = KV bytes per token
        request length S ~ min(Exp(θ), S_max) with E[S] = mean_request_tokens (default S_max/4)
        N_static = ⌊M_KV/(k·S_max)⌋          (contiguous pre-allocation of the maximum length)
        N_paged  = ⌊M_KV/(k·p·E[⌈S/p⌉])⌋     (E[⌈S/p⌉] = (1−r^K)/(1−r), r = e^{−p/θ}, K = ⌈S_max/p⌉)
        active = min(N, max_batch_size);  ITL = (|W| + active·k·E[S])/BW + L·0.01 ms;  tokens/s = active/ITL
        TTFT = prefill of one mean-length request: (2·P·E[S] + 4·L·d·E[S]²)/(Peak·η) + t_dispatch

    Static utilisation E[S]/S_max = 25 % by default, inside Kwon's measured 20.4–38.2 %.
    """

    walls = (5,)
    kind = "model"
    result_type = ContinuousBatchingResult
    equation = "N_static = ⌊M_KV/(k·S_max)⌋; N_paged = ⌊M_KV/(k·p·E[⌈S/p⌉])⌋"

    def solve(self, *, model, hardware, max_seq_len=None, max_batch_size=256, page_size=KV_PAGE_TOKENS,
              mean_request_tokens=None, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              seq_len=None) -> ContinuousBatchingResult:
        check_type("model", model, TransformerWorkload)
        check_type("hardware", hardware, HardwareNode)
        if max_seq_len is None and seq_len is None:
            raise InputError("max_seq_len", "required (the longest request the server admits, in tokens)")
        if max_seq_len is not None and seq_len is not None:
            raise InputError("seq_len", "give max_seq_len or its old name seq_len, not both")
        smax = check_int("max_seq_len" if seq_len is None else "seq_len", max_seq_len or seq_len)
        bmax = check_int("max_batch_size", max_batch_size)
        p = check_int("page_size", page_size)
        eta = check_efficiency(efficiency)
        if mean_request_tokens is None:
            mean = smax / 4.0
        else:
            mean = check_number("mean_request_tokens", mean_request_tokens, minimum=0.0, exclusive_minimum=True)
            if mean > smax:
                raise InputError("mean_request_tokens", f"must be ≤ max_seq_len ({smax}), got {mean}")
        w = model.si(precision)
        h = hardware.si
        peak = hardware.peak_si(precision)
        k = w.kv_bytes_per_token
        L = w.layers
        d = _d_model(w)

        theta = sv.capped_exponential_scale(mean, smax)
        pages = sv.expected_pages(theta, smax, p)
        paged_tokens = p * pages
        budget = h.mem_capacity - w.weight_bytes
        ttft = sv.prefill_flops(w.ops, L, d, mean, mean) / (peak * eta) + h.dispatch
        trace: list[str] = []

        def _fit(tokens_per_req: float) -> int:
            if budget <= 0.0:
                return 0
            if k <= 0.0:
                return bmax
            return int(budget // (k * tokens_per_req))

        n_paged = min(_fit(paged_tokens), bmax)
        n_static = min(_fit(float(smax)), bmax)

        def _itl(n: int) -> float:
            if n == 0:
                return math.inf
            return (w.weight_bytes + n * k * mean) / h.mem_bw + L * FRAMEWORK_LAYER_TAX_S

        itl, itl_s = _itl(n_paged), _itl(n_static)
        tps = n_paged / itl if n_paged else 0.0
        tps_s = n_static / itl_s if n_static else 0.0
        if tps_s > 0:
            speedup = tps / tps_s
        else:
            speedup = math.inf if tps > 0 else 1.0
        feasible = n_paged >= 1
        if budget <= 0.0:
            wall = 2
            trace.append(f"Memory wall: weights {w.weight_bytes / 1e9:.4g} GB fill {h.mem_capacity / 1e9:.4g} GB "
                         f"on {hardware.name}; no room for KV cache")
        elif not feasible:
            wall = 5
            trace.append(f"Batching wall: KV budget {budget / 1e9:.4g} GB holds no request of "
                         f"{paged_tokens:.0f} paged tokens × {k / 1e3:.4g} kB/token")
        else:
            wall = 5
            trace.append(f"KV budget {budget / 1e9:.4g} GB: paged (p={p}) holds {paged_tokens:.1f} tokens/request "
                         f"→ {n_paged} active; static reserves {smax} → {n_static} active")
            trace.append(f"Throughput {tps:.4g} tok/s paged vs {tps_s:.4g} tok/s static (×{speedup:.3g})")
        return ContinuousBatchingResult.build(
            feasible=feasible, binding_wall=wall, trace=trace,
            throughput_tokens_per_sec=tps, max_active_requests=n_paged,
            static_throughput_tokens_per_sec=tps_s, static_max_active_requests=n_static,
            speedup_vs_static=speedup, mean_request_tokens=mean, max_seq_len=smax, page_size=p,
            expected_pages_per_request=pages,
            paged_internal_fragmentation=1.0 - mean / paged_tokens,
            static_internal_fragmentation=1.0 - mean / smax,
            paged_kv_cache_size=n_paged * k * paged_tokens, static_kv_cache_size=n_static * k * smax,
            kv_budget=max(budget, 0.0), ttft=ttft, itl=itl, static_itl=itl_s,
        )


# ------------------------------------------------------------------------------------------------
# Wall 6: weight streaming (wafer-scale)
# ------------------------------------------------------------------------------------------------
class WeightStreamingResult(Result):
    throughput_tokens_per_sec: Qty("token/s")
    bottleneck: str
    layer_compute_time: Qty("ms")
    layer_injection_time: Qty("ms")
    token_time: Qty("ms")
    optimal_batch_size: int
    optimal_batch_size_exact: float
    injection_bandwidth: Qty("GB/s")
    on_chip_memory_required: Qty("GB")
    on_chip_capacity: Qty("GB")
    wafer_memory_utilization: float
    phase: str


class WeightStreamingModel(Resolver):
    """Wall 6 (Streaming) — weights live off-chip (e.g. Cerebras MemoryX) and stream in layer by layer while
    activations and KV stay on-chip (seed paper §4.1, wall 6).

        |W_l| = |W|/L;  t_inject = |W_l|/BW_inject
        decode:  OPs_l = 2·(P/L)·B;   prefill: OPs_l = 2·(P/L)·S·B + 4·d·S²·B
        t_compute = OPs_l/(Peak·η) + t_dispatch;   T_pass = L·max(t_compute, t_inject)
        tokens/s = B/T_pass (decode) or B·S/T_pass (prefill)
        B* = t_inject·Peak·η / (2·P/L)   (batch at which compute hides injection)
        on-chip need = 1.1·KV(S, B) ≤ on-chip capacity (SRAM if given, else main memory)
    """

    walls = (6,)
    kind = "model"
    result_type = WeightStreamingResult
    equation = "T_layer = max(|W_l|/BW_inject, 2|W_l|B/(Peak·η)); B* = t_inject·Peak·η/(2P/L)"

    def solve(self, *, model, hardware, seq_len, batch_size=1, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              phase="decode", injection_bandwidth=None) -> WeightStreamingResult:
        check_type("model", model, Workload)
        check_type("hardware", hardware, HardwareNode)
        S = check_int("seq_len", seq_len)
        B = check_int("batch_size", batch_size)
        eta = check_efficiency(efficiency)
        ph = check_choice("phase", phase, ("decode", "prefill"))
        w = model.si(precision)
        h = hardware.si
        peak = hardware.peak_si(precision)
        if injection_bandwidth is not None:
            bw, src = si(injection_bandwidth, "bandwidth", name="injection_bandwidth"), "given"
        elif h.scale_up_bw > 0:
            bw, src = h.scale_up_bw, hardware.scale_up.name
        elif h.host_bw > 0:
            bw, src = h.host_bw, hardware.interconnect.name
        else:
            bw, src = FALLBACK_INJECTION_BW, "fallback 100 GB/s"
        L = w.layers
        layer_bytes = w.weight_bytes / L
        ops_l = w.ops / L
        t_inj = layer_bytes / bw
        if ph == "decode":
            flops_l = ops_l * B
            tokens = B
        else:
            flops_l = ops_l * S * B + 4.0 * _d_model(w) * S * S * B
            tokens = B * S
        t_cmp = flops_l / (peak * eta) + h.dispatch
        t_pass = L * max(t_cmp, t_inj)
        b_star = t_inj * peak * eta / ops_l if ops_l > 0 else math.inf
        b_opt = max(1, math.ceil(b_star - 1e-9)) if math.isfinite(b_star) else 1
        need = WAFER_KV_OVERHEAD * (sv.kv_cache_bytes(w.kv_bytes_per_token, S, B) + w.state_bytes * B)
        cap = h.sram_capacity if h.sram_capacity > 0 else h.mem_capacity
        feasible = need <= cap
        bn = "Compute-Bound" if t_cmp >= t_inj else "Interconnect-Bandwidth-Bound"
        tps = tokens / t_pass if feasible else 0.0
        trace = [f"Per layer: compute {t_cmp * 1e3:.4g} ms vs injection {t_inj * 1e3:.4g} ms "
                 f"({layer_bytes / 1e9:.4g} GB at {bw / 1e9:.4g} GB/s, {src}) → {bn}; B* ≈ {b_star:.4g}"]
        if not feasible:
            trace.append(f"Memory wall: on-chip KV {need / 1e9:.4g} GB > {cap / 1e9:.4g} GB on {hardware.name}")
        wall = 2 if not feasible else (1 if bn == "Compute-Bound" else 6)
        return WeightStreamingResult.build(
            feasible=feasible, binding_wall=wall, trace=trace, throughput_tokens_per_sec=tps, bottleneck=bn,
            layer_compute_time=t_cmp, layer_injection_time=t_inj, token_time=t_pass, optimal_batch_size=b_opt,
            optimal_batch_size_exact=b_star, injection_bandwidth=bw, on_chip_memory_required=need,
            on_chip_capacity=cap, wafer_memory_utilization=need / cap, phase=ph,
        )
