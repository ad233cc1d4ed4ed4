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
from .serving_plan import decode_step, kv_precision_key, plan_serving, prefill_time

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
    decode_floor: Qty("ms")
    decode_memory_time: Qty("ms")
    tp_communication_time: Qty("ms")
    weights_per_device: Qty("GB")
    kv_cache_per_device: Qty("GB")
    experts_touched: float
    tp_size: int
    ep_size: int
    kv_precision: str
    memory_efficiency: float


class ServingModel(Resolver):
    """Wall 4 (Serving) — time to first token and inter-token latency of an LLM served by a tensor-parallel group
    of ``tp_size`` devices (seed paper §4.1, wall 4; Megatron TP, Shoeybi et al. 2019; Kwon 2023 KV cache).

        n = S − cached_prefix_len                                    (prefix caching skips cached tokens)
        OPs_prefill = 2·P·n·B + 4·L·d_model·n·S·B
        TTFT = Σ_chunks [max(OPs_chunk/(t·Peak·η), |W|/(t·BW·η_mem)) + 2L·AR(n·B·d) + t_dispatch] (+ KV/BW_net)
        KV   = 2·L·H_kv·d_head·b_kv · S·B                            (b_kv from ``kv_precision``)
        ITL  = max(bytes/(BW·η_mem), OPs_decode/(t·Peak·η)) + L·0.01 ms + 2L·AR(B·d)
               bytes = |W_read|/t + KV/min(t, H_kv);  MoE: |W_read| = P_dense + E(1−(1−k/E)^B)·P_expert
        decode_floor = bytes/BW  (datasheet bound, ≤ ITL)
        speculative (Leviathan 2023): E = 1 + α(1−α^K)/(1−α);  ITL = (K·t_draft + t_verify)/E
        feasible ⇔ |W|/t + KV/min(t, H_kv) (+ draft) ≤ capacity of every device, TP group within one node,
                   heads divisible by t

    AR(m) is a ring all-reduce over the node's link (``node=``, else the accelerator's zoo node or its NVLink-class
    link) with its per-step latency. The |W|/BW floor in each prefill chunk is the roofline: a chunk cannot beat one
    pass over the weights. ``memory_efficiency`` (η_mem) defaults to the device's memory kind (HBM 0.70, …);
    ``memory_efficiency=1`` reproduces the seed paper's |W|/BW decode. Disaggregated serving (``decode_hardware``)
    prefills on ``hardware``, ships the KV cache over ``network_bandwidth``, and decodes on ``decode_hardware``
    (same TP degree). Memory fields are per device; ``kv_cache_size`` and ``model_weights_size`` are totals.
    """

    walls = (4,)
    kind = "model"
    result_type = ServingResult
    equation = "TTFT = OPs_prefill/(t·Peak·η) + t_dispatch; ITL = (|W|/t + KV)/(BW·η_mem) + L·t_layer + 2L·AR"

    def solve(self, *, model, hardware, seq_len, batch_size=1, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              decode_hardware=None, network_bandwidth=_DEFAULT_NET_BW, draft_model=None, draft_acceptance_rate=0.7,
              speculative_tokens=SPECULATIVE_DRAFT_TOKENS, cached_prefix_len=0,
              prefill_chunk_tokens=None, tp_size=1, ep_size=1, kv_precision=None, memory_efficiency=None,
              node=None) -> ServingResult:
        S = check_int("seq_len", seq_len)
        B = check_int("batch_size", batch_size)
        eta = check_efficiency(efficiency)
        cached = check_int("cached_prefix_len", cached_prefix_len, minimum=0)
        if cached >= S:
            raise InputError("cached_prefix_len", f"must be < seq_len ({S}), got {cached}")
        plan = plan_serving(model=model, hardware=hardware, precision=precision, tp_size=tp_size, ep_size=ep_size,
                            kv_precision=kv_precision, memory_efficiency=memory_efficiency, node=node)
        dec_hw = hardware
        dplan = plan
        if decode_hardware is not None:
            dec_hw = check_type("decode_hardware", decode_hardware, HardwareNode)
            dplan = plan_serving(model=model, hardware=dec_hw, precision=precision, tp_size=tp_size,
                                 ep_size=ep_size, kv_precision=kv_precision, memory_efficiency=memory_efficiency)
        net_bw = 0.0
        if decode_hardware is not None or network_bandwidth is not _DEFAULT_NET_BW:
            net_bw = si(network_bandwidth, "bandwidth", name="network_bandwidth")
        chunk = None
        if prefill_chunk_tokens is not None:
            chunk = check_int("prefill_chunk_tokens", prefill_chunk_tokens)
        alpha = check_fraction("draft_acceptance_rate", draft_acceptance_rate)
        K = check_int("speculative_tokens", speculative_tokens)
        if draft_model is not None:
            check_type("draft_model", draft_model, TransformerWorkload)
            wd = draft_model.si(precision)
            wd_kv = draft_model.si(dplan.kv_precision).kv_bytes_per_token

        n = S - cached
        tp = plan.tp
        trace: list[str] = []

        # --- prefill (TTFT) ---
        n_chunks = 1 if chunk is None else math.ceil(n / chunk)
        if n_chunks == 1:
            t_chunk, flops, _ = prefill_time(plan, n, S, B, eta)
            ttft_compute = stall = t_chunk
        else:
            t_full, _, _ = prefill_time(plan, chunk, S, B, eta)
            last_tokens = n - (n_chunks - 1) * chunk
            t_last, _, _ = prefill_time(plan, last_tokens, S, B, eta)
            flops = sv.prefill_flops(plan.ops_per_token, plan.layers, plan.d_model, n, S, B)
            ttft_compute = (n_chunks - 1) * t_full + t_last
            t_chunk = t_full
            stall = max(t_full, t_last)
            trace.append(f"Chunked prefill: {n_chunks} chunks of ≤{chunk} tokens, {t_full * 1e3:.4g} ms each "
                         f"(decode stalls ≤ {stall * 1e3:.4g} ms)")
        kv = sv.kv_cache_bytes(plan.kv_bytes_per_token, S, B)
        t_xfer = kv / net_bw if decode_hardware is not None else 0.0
        ttft = ttft_compute + t_xfer
        if cached:
            trace.append(f"Prefix cache: {cached}/{S} tokens cached, prefill computes {n} new tokens")
        if t_xfer:
            trace.append(f"Disaggregated: KV {kv / 1e9:.4g} GB over {net_bw / 1e9:.4g} GB/s adds "
                         f"{t_xfer * 1e3:.4g} ms to TTFT")

        # --- decode (ITL) ---
        step = decode_step(dplan, B, S * B, S, eta)
        t_verify = step.itl
        e_tokens = 1.0
        draft_bytes = 0.0
        if draft_model is not None:
            draft_bytes = wd.weight_bytes + sv.kv_cache_bytes(wd_kv, S, B)
            t_draft = draft_bytes / (dplan.mem_bw * dplan.eta_mem) + wd.layers * FRAMEWORK_LAYER_TAX_S
            e_tokens = sv.speculative_expected_tokens(alpha, K)
            itl = (K * t_draft + t_verify) / e_tokens
            trace.append(f"Speculative decoding: K={K}, α={alpha:.2f} → E[tokens/step] = {e_tokens:.3f}; "
                         f"ITL {t_verify * 1e3:.4g} → {itl * 1e3:.4g} ms")
        else:
            itl = t_verify
        if tp > 1:
            trace.append(f"TP {tp} over {plan.link_name}: {2 * plan.layers} all-reduces per step cost "
                         f"{step.t_comm * 1e3:.4g} ms of the {t_verify * 1e3:.4g} ms decode step")
        if plan.experts:
            trace.append(f"MoE: {step.experts_touched:.3g} of {plan.experts} experts read per layer at batch {B}")

        # --- memory (per device) ---
        w_dev = plan.weights_per_device
        kv_dev = dplan.kv_per_device(S * B)
        total = w_dev + kv_dev + draft_bytes
        cap = dplan.capacity
        feasible = total <= cap
        wall = 4
        if decode_hardware is not None and w_dev + plan.kv_per_device(S * B) > plan.capacity:
            feasible = False
            wall = 2
            trace.append(f"Memory wall: prefill device {hardware.name} needs {(w_dev + kv_dev) / 1e9:.4g} GB "
                         f"> {plan.capacity / 1e9:.4g} GB")
        if total > cap:
            wall = 2
            trace.append(f"Memory wall: weights {w_dev / 1e9:.4g} GB + KV {kv_dev / 1e9:.4g} GB"
                         f"{f' + draft {draft_bytes / 1e9:.4g} GB' if draft_bytes else ''} = {total / 1e9:.4g} GB "
                         f"> {cap / 1e9:.4g} GB per {dec_hw.name}")
        for issue_wall, msg in plan.issues + (dplan.issues if dplan is not plan else ()):
            feasible = False
            wall = issue_wall
            trace.append(("Communication wall: " if issue_wall == 14 else "Serving wall: ") + msg)
        trace.insert(0, f"TTFT {ttft * 1e3:.4g} ms ({flops / 1e12:.4g} TFLOP prefill); ITL {itl * 1e3:.4g} ms "
                        f"({step.bottleneck.lower()}-bound decode at η_mem {dplan.eta_mem:g}, floor "
                        f"{step.floor * 1e3:.4g} ms; KV {kv / 1e9:.4g} GB at {dplan.kv_precision})")
        return ServingResult.build(
            feasible=feasible, binding_wall=wall, trace=trace,
            ttft=ttft, itl=itl, kv_cache_size=kv, model_weights_size=plan.weight_bytes, total_memory_required=total,
            memory_capacity=cap, memory_utilization=total / cap, prefill_flops=flops,
            prefill_compute_time=ttft_compute, kv_transfer_time=t_xfer, decode_tokens_per_sec=B / itl,
            new_tokens=n, prompt_cache_hit_ratio=cached / S, prefill_chunks=n_chunks, prefill_chunk_time=t_chunk,
            decode_stall_bound=stall, speculative_expected_tokens=e_tokens, itl_bottleneck=step.bottleneck,
            disaggregated=decode_hardware is not None, decode_floor=step.floor, decode_memory_time=step.t_memory,
            tp_communication_time=step.t_comm, weights_per_device=w_dev, kv_cache_per_device=kv_dev,
            experts_touched=step.experts_touched, tp_size=tp, ep_size=plan.ep, kv_precision=dplan.kv_precision,
            memory_efficiency=dplan.eta_mem,
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
    decode_floor: Qty("ms") = None
    tp_size: int = 1
    kv_precision: str = "fp16"
    memory_efficiency: float = 1.0

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
        active = min(N, max_batch_size);  ITL = decode step of ``active`` requests (ServingModel's ITL:
        (|W_read|/t + active·k·E[S]/min(t,H_kv))/(BW·η_mem) + L·0.01 ms + TP all-reduces);  tokens/s = active/ITL
        TTFT = prefill of one mean-length request: max((2·P·E[S] + 4·L·d·E[S]²)/(t·Peak·η), |W|/(t·BW·η_mem))
               + t_dispatch
        with tensor parallelism M_KV and k are per device (capacity − |W|/t; k/min(t, H_kv)); KV totals are
        reported over the group. k at ``kv_precision`` (default the weights' 16-bit family).

    Static utilisation E[S]/S_max = 25 % by default, inside Kwon's measured 20.4–38.2 %.
    """

    walls = (5,)
    kind = "model"
    result_type = ContinuousBatchingResult
    equation = "N_static = ⌊M_KV/(k·S_max)⌋; N_paged = ⌊M_KV/(k·p·E[⌈S/p⌉])⌋"

    def solve(self, *, model, hardware, max_seq_len=None, max_batch_size=256, page_size=KV_PAGE_TOKENS,
              mean_request_tokens=None, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              seq_len=None, tp_size=1, ep_size=1, kv_precision=None, memory_efficiency=None,
              node=None) -> ContinuousBatchingResult:
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
        plan = plan_serving(model=model, hardware=hardware, precision=precision, tp_size=tp_size, ep_size=ep_size,
                            kv_precision=kv_precision, memory_efficiency=memory_efficiency, node=node)
        k = plan.kv_bytes_per_token / plan.kv_shards  # per device

        theta = sv.capped_exponential_scale(mean, smax)
        pages = sv.expected_pages(theta, smax, p)
        paged_tokens = p * pages
        budget = plan.capacity - plan.weights_per_device
        ttft = prefill_time(plan, mean, mean, 1, eta)[0]
        trace: list[str] = []

        def _fit(tokens_per_req: float) -> int:
            if budget <= 0.0:
                return 0
            if k <= 0.0:
                return bmax
            return int(budget // (k * tokens_per_req))

        n_paged = min(_fit(paged_tokens), bmax)
        n_static = min(_fit(float(smax)), bmax)

        def _step(n: int):
            return decode_step(plan, n, n * mean, mean, eta) if n else None

        paged_step, static_step = _step(n_paged), _step(n_static)
        itl = paged_step.itl if paged_step else math.inf
        itl_s = static_step.itl if static_step else math.inf
        tps = n_paged / itl if n_paged else 0.0
        tps_s = n_static / itl_s if n_static else 0.0
        if tps_s > 0:
            speedup = tps / tps_s
        else:
            speedup = math.inf if tps > 0 else 1.0
        feasible = n_paged >= 1
        if budget <= 0.0:
            wall = 2
            trace.append(f"Memory wall: weights {plan.weights_per_device / 1e9:.4g} GB fill "
                         f"{plan.capacity / 1e9:.4g} GB on {hardware.name}; no room for KV cache")
        elif not feasible:
            wall = 5
            trace.append(f"Batching wall: KV budget {budget / 1e9:.4g} GB holds no request of "
                         f"{paged_tokens:.0f} paged tokens × {k / 1e3:.4g} kB/token")
        else:
            wall = 5
            trace.append(f"KV budget {budget / 1e9:.4g} GB per device: paged (p={p}) holds {paged_tokens:.1f} "
                         f"tokens/request → {n_paged} active; static reserves {smax} → {n_static} active")
            trace.append(f"Throughput {tps:.4g} tok/s paged vs {tps_s:.4g} tok/s static (×{speedup:.3g})")
        for issue_wall, msg in plan.issues:
            feasible, wall = False, issue_wall
            trace.append(("Communication wall: " if issue_wall == 14 else "Serving wall: ") + msg)
        return ContinuousBatchingResult.build(
            feasible=feasible, binding_wall=wall, trace=trace,
            throughput_tokens_per_sec=tps, max_active_requests=n_paged,
            static_throughput_tokens_per_sec=tps_s, static_max_active_requests=n_static,
            speedup_vs_static=speedup, mean_request_tokens=mean, max_seq_len=smax, page_size=p,
            expected_pages_per_request=pages,
            paged_internal_fragmentation=1.0 - mean / paged_tokens,
            static_internal_fragmentation=1.0 - mean / smax,
            paged_kv_cache_size=n_paged * k * paged_tokens * plan.kv_shards,
            static_kv_cache_size=n_static * k * smax * plan.kv_shards,
            kv_budget=max(budget, 0.0), ttft=ttft, itl=itl, static_itl=itl_s, tp_size=plan.tp,
            decode_floor=paged_step.floor if paged_step else math.inf,
            kv_precision=plan.kv_precision, memory_efficiency=plan.eta_mem,
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
        on-chip need = 1.1·KV(S, B) ≤ on-chip capacity (SRAM if given, else main memory); KV (and SSM state) at
        ``kv_precision`` (default the weights' 16-bit family)
    """

    walls = (6,)
    kind = "model"
    result_type = WeightStreamingResult
    equation = "T_layer = max(|W_l|/BW_inject, 2|W_l|B/(Peak·η)); B* = t_inject·Peak·η/(2P/L)"

    def solve(self, *, model, hardware, seq_len, batch_size=1, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              phase="decode", injection_bandwidth=None, kv_precision=None) -> WeightStreamingResult:
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
        wkv = model.si(kv_precision_key(kv_precision, precision))  # KV and recurrent state at the KV precision
        need = WAFER_KV_OVERHEAD * (sv.kv_cache_bytes(wkv.kv_bytes_per_token, S, B) + wkv.state_bytes * B)
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
