"""Node-domain resolvers: SingleNodeModel (walls 1–2), EfficiencyModel (wall 3), TailLatencyModel (wall 7).

Serving-side node walls (4–6) live in :mod:`mlsysim_core.resolvers.serving`.
"""

from __future__ import annotations

import math
from ..physics import queueing
from ..physics.constants import DEFAULT_EFFICIENCY
from ..physics.roofline import roofline
from ..types.hardware import HardwareNode
from ..types.workloads import Workload
from ..units import si
from ..validation import InputError, check_choice, check_int, check_number, check_type
from .base import Qty, Resolver, Result

__all__ = [
    "SingleNodeModel", "PerformanceProfile", "EfficiencyModel", "EfficiencyResult",
    "TailLatencyModel", "TailLatencyResult", "check_efficiency",
]

_MODEL_TYPE = Workload
_HW_TYPE = HardwareNode


def check_efficiency(value) -> float:
    """η ∈ (0, 1] (shared by every resolver that takes ``efficiency``)."""
    return check_number("efficiency", value, minimum=0.0, maximum=1.0, exclusive_minimum=True)


# ------------------------------------------------------------------------------------------------
# Walls 1–2: single-node roofline
# ------------------------------------------------------------------------------------------------
class PerformanceProfile(Result):
    """One forward pass of ``batch_size`` samples on one accelerator. ``throughput`` is samples per second
    (a sample is the workload's ``sample_unit``: a token for decoder LMs, an image for vision models)."""

    bottleneck: str = "Compute"
    latency: Qty("ms")
    latency_compute: Qty("ms")
    latency_memory: Qty("ms")
    latency_overhead: Qty("ms")
    throughput: Qty("1/s")
    arithmetic_intensity: Qty("flop/byte")
    memory_footprint: Qty("GB")
    memory_capacity: Qty("GB")
    memory_traffic: Qty("GB")
    mfu: float = 0.0
    hfu: float = 0.0
    energy: Qty("J")
    peak_flops_actual: Qty("TFLOP/s")
    peak_bw_actual: Qty("GB/s")
    bandwidth_source: str = "HBM"
    offload_spill_bytes: Qty("GB")
    offload_effective_bw: Qty("GB/s")
    overhead_dominated: bool = False
    batch_size: int = 1
    precision: str = "fp16"
    sample_unit: str = "sample"

    @property
    def energy_per_inference(self):
        """Energy of the whole batch (upstream name)."""
        return self.energy

    @property
    def constraint_trace(self) -> list[str]:
        """Upstream name of :attr:`trace`."""
        return self.trace


class SingleNodeModel(Resolver):
    """Walls 1 (Compute) and 2 (Memory) — the single-node roofline (seed paper §4.1; Williams 2009).

        T_compute = OPs·B / (Peak_prec·η)
        T_memory  = (|W| + B·A) / (BW_eff·η_mem)   (A: activation bytes per sample — 8·d·L·b per decoder token,
                                                0.1·|W| per sample where no width is known; η_mem achieved
                                                fraction of the tier's bandwidth: ``memory_efficiency``, default
                                                the memory kind's — HBM 0.70, GDDR 0.80, LPDDR 0.65, SRAM/flash 0.90;
                                                1 = the seed paper's datasheet roofline)
        T         = max(T_compute, T_memory) + t_dispatch + L·0.01 ms
        throughput = B / T;  MFU = (OPs·B/T)/Peak;  E = TDP·(0.3 + 0.7·MFU)·T
        feasible  ⇔ |W| ≤ memory capacity

    BW_eff: SRAM if the weights fit in it, flash for MCUs, HBM/DRAM otherwise. When the weights do not fit,
    the design is infeasible (binding wall 2) and the latency is still estimated with weights streamed over
    the host link, min(BW_mem, BW_host or 64 GB/s).
    """

    walls = (1, 2)
    kind = "model"
    result_type = PerformanceProfile
    equation = "T = max(OPs·B/(Peak·η), (|W| + B·A)/(BW·η_mem)) + t_dispatch + L·t_layer"

    def solve(self, *, model, hardware, batch_size=1, precision="fp16", efficiency=DEFAULT_EFFICIENCY,
              raise_errors: bool = False, memory_efficiency=None) -> PerformanceProfile:
        if not isinstance(model, _MODEL_TYPE):
            check_type("model", model, Workload)
        if not isinstance(hardware, _HW_TYPE):
            check_type("hardware", hardware, HardwareNode)
        b = batch_size if type(batch_size) is int and batch_size >= 1 else check_int("batch_size", batch_size)
        eta = (efficiency if type(efficiency) is float and 0.0 < efficiency <= 1.0
               else check_efficiency(efficiency))
        if raise_errors is not False and raise_errors is not True:
            check_type("raise_errors", raise_errors, bool)
        if memory_efficiency is None:
            tiers = hardware.memory_efficiency_by_tier
        else:
            em = check_number("memory_efficiency", memory_efficiency, minimum=0.0, maximum=1.0, exclusive_minimum=True)
            tiers = {"HBM": em, "SRAM": em, "flash": em, "offload": 1.0}
        w = model.si(precision)
        h = hardware.si
        peak = hardware.peak_si(precision)
        p = roofline(w.ops, w.weight_bytes, w.layers, b, peak, eta, h.mem_capacity, h.mem_bw,
                     h.sram_capacity, h.sram_bw, h.flash_bw, h.host_bw, h.dispatch, h.tdp, act_bytes=w.act_bytes,
                     tier_efficiency=tiers)
        if p.fits:
            bn = "Memory" if p.t_memory > p.t_compute else "Compute"
            wall = 2 if bn == "Memory" else 1
            trace = [
                f"Memory wall: passed, {p.footprint / 1e9:.3g} GB ≤ {h.mem_capacity / 1e9:.3g} GB on {hardware.name}",
                f"{bn}-bound: T_compute {p.t_compute * 1e3:.4g} ms vs T_memory {p.t_memory * 1e3:.4g} ms "
                f"({p.bw_source} {p.bw / 1e9:.4g} GB/s)",
            ]
        else:
            bn = "Memory capacity"
            wall = 2
            if raise_errors:
                raise InputError("model", f"needs {p.footprint / 1e9:.3g} GB but {hardware.name} holds "
                                          f"{h.mem_capacity / 1e9:.3g} GB")
            trace = [
                f"Memory wall: FAILED, {p.footprint / 1e9:.3g} GB > {h.mem_capacity / 1e9:.3g} GB on {hardware.name}",
                f"Offload estimate: {p.spill / 1e9:.3g} GB spill, weights streamed at {p.bw / 1e9:.4g} GB/s "
                f"→ {p.latency * 1e3:.4g} ms",
            ]
        lat = p.latency
        return PerformanceProfile.build(
            feasible=p.fits, binding_wall=wall, trace=trace, bottleneck=bn,
            latency=lat, latency_compute=p.t_compute, latency_memory=p.t_memory, latency_overhead=p.t_overhead,
            throughput=b / lat, arithmetic_intensity=p.batch_ops / p.traffic, memory_footprint=p.footprint,
            memory_capacity=h.mem_capacity, memory_traffic=p.traffic, mfu=p.mfu, hfu=p.mfu, energy=p.energy,
            peak_flops_actual=p.peak_eff, peak_bw_actual=p.bw, bandwidth_source=p.bw_source,
            offload_spill_bytes=p.spill, offload_effective_bw=0.0 if p.fits else p.bw,
            overhead_dominated=p.t_overhead > max(p.t_compute, p.t_memory),
            batch_size=b, precision=precision.strip().lower(), sample_unit=model.sample_unit,
        )


# ------------------------------------------------------------------------------------------------
# Wall 3: software efficiency
# ------------------------------------------------------------------------------------------------
_WORKLOAD_TYPES = ("ffn", "attention", "conv", "other")


class EfficiencyResult(Result):
    mfu: float
    achievable_flops: Qty("TFLOP/s")
    peak_flops: Qty("TFLOP/s")
    workload_type: str
    use_flash_attention: bool
    occupancy_loss: float
    memory_stall: float

    @property
    def overhead_breakdown(self) -> dict:
        return {"occupancy_loss": self.occupancy_loss, "memory_stall": self.memory_stall}


class EfficiencyModel(Resolver):
    """Wall 3 (Software) — achievable MFU of a kernel class (seed paper §4.1, wall 3; calibration caps from
    FlashAttention-2, Dao 2023, and Megatron/PaLM MFU reports).

        s = η/0.5
        attention + FlashAttention: η' = min(0.75·s, 0.85);  attention, naive: η' = 0.30·s
        ffn (GEMM): η' = min(0.50·s, 0.60);  conv: η' = min(0.40·s, 0.55);  other: η' = 0.30·s
        achievable = Peak_prec·η';  occupancy_loss = 1 − min(1.1·η, 1);  memory_stall = max(0, 1 − η' − occupancy_loss)
    """

    walls = (3,)
    kind = "model"
    result_type = EfficiencyResult
    equation = "η_MFU = min(base(kernel)·η/0.5, cap(kernel)); achievable = Peak·η_MFU"

    def solve(self, *, hardware, model=None, workload_type="ffn", use_flash_attention=False, precision="fp16",
              efficiency=DEFAULT_EFFICIENCY) -> EfficiencyResult:
        check_type("hardware", hardware, HardwareNode)
        if model is not None:
            check_type("model", model, Workload)
            model.si(precision)
        wt = check_choice("workload_type", workload_type, _WORKLOAD_TYPES)
        flash = check_type("use_flash_attention", use_flash_attention, bool)
        eta = check_efficiency(efficiency)
        peak = hardware.peak_si(precision)
        s = eta / 0.5
        if wt == "attention":
            mfu = min(0.75 * s, 0.85) if flash else 0.30 * s
        elif wt == "ffn":
            mfu = min(0.50 * s, 0.60)
        elif wt == "conv":
            mfu = min(0.40 * s, 0.55)
        else:
            mfu = 0.30 * s
        mfu = min(max(mfu, 0.0), 1.0)
        occ = 1.0 - min(eta * 1.1, 1.0)
        stall = max(0.0, (1.0 - mfu) - occ)
        return EfficiencyResult.build(
            feasible=True, binding_wall=3,
            trace=[f"{wt}{' + FlashAttention' if flash and wt == 'attention' else ''}: MFU {mfu:.3f} "
                   f"→ {peak * mfu / 1e12:.4g} of {peak / 1e12:.4g} TFLOP/s on {hardware.name}"],
            mfu=mfu, achievable_flops=peak * mfu, peak_flops=peak, workload_type=wt, use_flash_attention=flash,
            occupancy_loss=occ, memory_stall=stall,
        )


# ------------------------------------------------------------------------------------------------
# Wall 7: tail latency
# ------------------------------------------------------------------------------------------------
class TailLatencyResult(Result):
    p50_latency: Qty("ms")
    p99_latency: Qty("ms")
    mean_latency: Qty("ms")
    p50_wait: Qty("ms")
    p99_wait: Qty("ms")
    service_latency: Qty("ms")
    arrival_rate: Qty("request/s")
    capacity: Qty("request/s")
    utilization: float
    queue_utilization: float
    wait_probability: float
    is_stable: bool
    num_replicas: int
    service_time_cv: float
    slo_latency: Qty("ms")
    slo_headroom_ratio: float
    meets_slo: bool


class TailLatencyModel(Resolver):
    """Wall 7 (Tail Latency) — M/M/c queue in front of ``num_replicas`` identical servers (Erlang C; Kingman).

        μ = 1/t_service (mean service time);  ρ = λ/(c·μ);  P_wait = Erlang-C(c, λ/μ);  δ = cμ − λ
        wait quantiles t_q = ln(P_wait/q)/δ (0 if P_wait ≤ q), × (1 + cv²)/2 (Kingman) when cv ≠ 1
        response R = W + S:  P(R > t) = (1−P_wait)e^{−μt} + P_wait(δe^{−μt} − μe^{−δt})/(δ − μ)   (exact M/M/c)
        P50/P99 latency = the 50th/99th percentiles of R (cv ≠ 1: two-moment service approximation, see
        physics.queueing);  mean = t_service + E[W]
        SLO: default 6 × t_service;  slo_headroom_ratio = (P99 − t_service)/(SLO − t_service) (≤ 1 meets it)

    ρ ≥ 1 is an unstable queue: feasible=False, binding wall 7, infinite (float inf) latencies.
    With an explicit ``slo_latency``, feasible also requires P99 ≤ SLO. Give the load as ``arrival_rate_qps``
    (float, requests/s) or ``arrival_rate`` (Quantity/str), and the service time as ``service_latency_ms``
    (float) or ``service_latency`` (Quantity/str).
    """

    walls = (7,)
    kind = "model"
    result_type = TailLatencyResult
    equation = "P(R>t) = (1−C)e^{−μt} + C(δe^{−μt} − μe^{−δt})/(δ−μ); P99 = R quantile"

    def solve(self, *, arrival_rate_qps=None, service_latency_ms=None, num_replicas=1, service_time_cv=1.0,
              arrival_rate=None, service_latency=None, slo_latency=None) -> TailLatencyResult:
        if (arrival_rate_qps is None) == (arrival_rate is None):
            raise InputError("arrival_rate", "give exactly one of arrival_rate_qps (float) or arrival_rate (Quantity)")
        if (service_latency_ms is None) == (service_latency is None):
            raise InputError("service_latency",
                             "give exactly one of service_latency_ms (float) or service_latency (Quantity)")
        if arrival_rate is not None:
            lam = si(arrival_rate, "request_rate", name="arrival_rate", allow_zero=True)
        else:
            lam = check_number("arrival_rate_qps", arrival_rate_qps, minimum=0.0)
        if service_latency is not None:
            ts = si(service_latency, "time", name="service_latency")
        else:
            ts = check_number("service_latency_ms", service_latency_ms, minimum=0.0, exclusive_minimum=True) / 1e3
        c = check_int("num_replicas", num_replicas)
        cv = check_number("service_time_cv", service_time_cv, minimum=0.0)
        slo = si(slo_latency, "time", name="slo_latency") if slo_latency is not None else None

        mu = 1.0 / ts
        q = queueing.mmc_response(lam, mu, c, cv)
        stable = math.isfinite(q.p99_wait)
        p99 = q.p99_response
        budget = (slo - ts) if slo is not None else 5.0 * ts
        slo_total = slo if slo is not None else 6.0 * ts
        if not stable:
            ratio = math.inf
        elif budget <= 0.0:  # SLO at or below the mean service time
            ratio = 0.0 if p99 <= ts else math.inf
        else:
            ratio = max(p99 - ts, 0.0) / budget
        meets = stable and p99 <= slo_total * (1 + 1e-12)
        if stable:
            trace = [f"ρ = λ/(cμ) = {lam:.4g}/({c}·{mu:.4g}) = {q.rho:.3f}; P(wait) = {q.p_wait:.3f}",
                     f"P99 response {p99 * 1e3:.4g} ms (mean service {ts * 1e3:.4g} ms, P99 wait {q.p99_wait * 1e3:.4g} ms) "
                     f"({'meets' if meets else 'misses'} the {slo_total * 1e3:.4g} ms SLO)"]
        else:
            trace = [f"Tail-latency wall: unstable queue, ρ = {q.rho:.3f} ≥ 1 — arrivals {lam:.4g}/s exceed "
                     f"capacity {c * mu:.4g}/s of {c} replica(s); latencies unbounded"]
        feasible = stable and (slo is None or meets)
        return TailLatencyResult.build(
            feasible=feasible, binding_wall=7, trace=trace,
            p50_latency=q.p50_response, p99_latency=p99, mean_latency=q.mean_response,
            p50_wait=q.p50_wait, p99_wait=q.p99_wait, service_latency=ts, arrival_rate=lam, capacity=c * mu,
            utilization=q.rho, queue_utilization=q.rho, wait_probability=q.p_wait, is_stable=stable,
            num_replicas=c, service_time_cv=cv, slo_latency=slo_total, slo_headroom_ratio=ratio, meets_slo=meets,
        )
