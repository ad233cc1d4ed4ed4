"""Analysis resolvers: SensitivitySolver (wall 21) and SynthesisSolver (wall 22)."""

from __future__ import annotations

from typing import Optional

from ..physics.constants import DEFAULT_EFFICIENCY
from ..physics.roofline import roofline
from ..physics.serving import kv_shards, moe_expected_experts, moe_parameter_split
from ..types.hardware import HardwareNode
from ..types.systems import Node
from ..types.workloads import SparseTransformerWorkload, Workload
from ..units import resolve_precision, si
from ..validation import InputError, check_int, check_number, check_type
from .base import Qty, Resolver, Result
from .node import check_efficiency
from .serving_plan import kv_precision_key

__all__ = ["SensitivitySolver", "SensitivityResult", "SynthesisSolver", "SynthesisResult", "zoo_hardware"]

_PARAMS = ("peak_flops", "memory_bandwidth", "memory_capacity")
_WALL_OF = {"peak_flops": 1, "memory_bandwidth": 2, "memory_capacity": 2}


# ------------------------------------------------------------------------------------------------
# Wall 21: sensitivity
# ------------------------------------------------------------------------------------------------
class SensitivityResult(Result):
    sensitivities: dict[str, float]
    binding_constraint: str
    baseline_latency: Qty("ms")
    perturbed_latency: dict[str, float]  # ms, per parameter
    perturbation_pct: float
    bottleneck: str
    memory_footprint: Qty("GB")
    memory_capacity: Qty("GB")


class SensitivitySolver(Resolver):
    """Wall 21 (Sensitivity) — which hardware resource should be upgraded first? (seed paper §4.6)

    Each resource x_i ∈ {peak FLOP/s, memory bandwidth, memory capacity} is raised by p % and the
    single-node roofline (SingleNodeModel) re-solved; the normalised finite difference (elasticity)

        S_i = [(T(x_i·(1+p)) − T) / T] / p

    (the roofline at achieved bandwidth, ``memory_efficiency`` as in SingleNodeModel)
    is ≈ −1 for the resource that binds a pure roofline regime and 0 for one with slack (negative = the
    upgrade helps). binding_constraint = argmax_i |S_i| (ties: peak_flops, memory_bandwidth, memory_capacity).
    If the model does not fit (baseline infeasible) the binding constraint is memory_capacity and
    feasible=False, whatever the finite differences of the offload estimate say.
    """

    walls = (21,)
    kind = "solver"
    result_type = SensitivityResult
    equation = "S_i = (ΔT/T) / (Δx_i/x_i)"

    def solve(self, *, model, hardware, precision="fp16", perturbation_pct=10.0, efficiency=DEFAULT_EFFICIENCY,
              batch_size=1, memory_efficiency=None) -> SensitivityResult:
        check_type("model", model, Workload)
        check_type("hardware", hardware, HardwareNode)
        b = check_int("batch_size", batch_size)
        eta = check_efficiency(efficiency)
        pct = check_number("perturbation_pct", perturbation_pct, minimum=0.0, maximum=1000.0, exclusive_minimum=True)
        w = model.si(precision)
        h = hardware.si
        peak = hardware.peak_si(precision)
        f = 1.0 + pct / 100.0
        if memory_efficiency is None:
            tiers = hardware.memory_efficiency_by_tier
        else:
            em = check_number("memory_efficiency", memory_efficiency, minimum=0.0, maximum=1.0, exclusive_minimum=True)
            tiers = {"HBM": em, "SRAM": em, "flash": em, "offload": 1.0}

        def run(pk, bw, cap, sram_bw=h.sram_bw, flash_bw=h.flash_bw):
            return roofline(w.ops, w.weight_bytes, w.layers, b, pk, eta, cap, bw, h.sram_capacity, sram_bw,
                            flash_bw, h.host_bw, h.dispatch, h.tdp, act_bytes=w.act_bytes, tier_efficiency=tiers)

        base = run(peak, h.mem_bw, h.mem_capacity)
        # "memory bandwidth" scales whichever tier the weights stream from (HBM, SRAM or flash)
        pert = {
            "peak_flops": run(peak * f, h.mem_bw, h.mem_capacity),
            "memory_bandwidth": run(peak, h.mem_bw * f, h.mem_capacity, h.sram_bw * f, h.flash_bw * f),
            "memory_capacity": run(peak, h.mem_bw, h.mem_capacity * f),
        }
        t0 = base.latency
        sens = {k: ((p.latency - t0) / t0) / (pct / 100.0) for k, p in pert.items()}
        if base.fits:
            binding = max(_PARAMS, key=lambda k: (abs(sens[k]), -_PARAMS.index(k)))
            bn = "Memory" if base.t_memory > base.t_compute else "Compute"
            trace = [f"Baseline {t0 * 1e3:.4g} ms ({bn}-bound); +{pct:g} % on each resource → elasticities "
                     + ", ".join(f"{k} {v:+.3f}" for k, v in sens.items()),
                     f"Upgrade first: {binding}"]
        else:
            binding = "memory_capacity"
            bn = "Memory capacity"
            trace = [f"Memory wall: {base.footprint / 1e9:.4g} GB does not fit {h.mem_capacity / 1e9:.4g} GB on "
                     f"{hardware.name}; capacity binds before FLOP/s or bandwidth matter "
                     f"(needs ×{base.footprint / h.mem_capacity:.3g} capacity)"]
        return SensitivityResult.build(
            feasible=base.fits, binding_wall=_WALL_OF[binding], trace=trace, sensitivities=sens,
            binding_constraint=binding, baseline_latency=t0,
            perturbed_latency={k: p.latency * 1e3 for k, p in pert.items()}, perturbation_pct=pct,
            bottleneck=bn, memory_footprint=base.footprint, memory_capacity=h.mem_capacity,
        )


# ------------------------------------------------------------------------------------------------
# Wall 22: synthesis (inverse roofline)
# ------------------------------------------------------------------------------------------------
def zoo_hardware() -> list[HardwareNode]:
    """Every HardwareNode in ``mlsysim_core.zoo.Hardware`` (empty if the zoo is unavailable), sorted by name.

    Iterating the zoo builds each entry (pydantic validation) once; entries that fail to build are skipped."""
    try:
        from ..zoo import Hardware  # noqa: PLC0415 - optional; the zoo builds entries lazily
        entries = list(Hardware)
    except Exception:  # zoo missing or broken: synthesis still answers, without candidates
        return []
    found: dict[str, HardwareNode] = {}
    for hw in entries:
        if isinstance(hw, HardwareNode):
            found.setdefault(hw.name, hw)
    return sorted(found.values(), key=lambda hw: hw.name)


class SynthesisResult(Result):
    required_bw: Qty("GB/s")
    required_flops: Qty("TFLOP/s")
    required_memory: Qty("GB")
    compute_memory_ratio: Qty("flop/byte")
    target_latency: Qty("ms")
    model_size: Qty("GB")
    total_ops: Qty("GFLOP")
    batch_size: int
    candidates: list[str]


class SynthesisSolver(Resolver):
    """Wall 22 (Synthesis) — invert the roofline: what hardware meets a latency target? (seed paper §4.6)

        BW_req   = (|W_read|/t + KV/min(t, H_kv)) / T_target   (achieved bandwidth per device: stream the weights
                                                               once per pass; MoE reads P_dense + E(1−(1−k/E)^B)·P_e)
        Peak_req = OPs·B / (T_target·η·t)                      (peak FLOP/s per device at the stated efficiency)
        Mem_req  = |W|/t + KV/min(t, H_kv)                      (KV = k_kv·S·B when ``seq_len`` is given, else 0)
        ratio    = Peak_req / BW_req  [flop/byte] — the ridge point the design must have

    These are lower bounds: the forward model adds activation traffic, dispatch, per-layer overhead and TP
    communication. ``candidates`` lists the hardware (zoo, or the ``candidates`` argument) whose *achieved*
    bandwidth BW·η_mem (``memory_efficiency``, default each device's memory kind), peak at ``precision`` and
    capacity all meet the requirements. A ``node`` whose accelerators cannot hold a TP group of ``tp_size`` makes
    the target infeasible (wall 14).
    """

    walls = (22,)
    kind = "solver"
    result_type = SynthesisResult
    equation = "BW_req = |W|/T_target; Peak_req = OPs/(T_target·η); Mem_req = |W|"

    def solve(self, *, model, target_latency, precision="fp16", efficiency=DEFAULT_EFFICIENCY, batch_size=1,
              candidates: Optional[list] = None, tp_size=1, ep_size=1, kv_precision=None, memory_efficiency=None,
              seq_len=None, node=None) -> SynthesisResult:
        check_type("model", model, Workload)
        T = si(target_latency, "time", name="target_latency")
        eta = check_efficiency(efficiency)
        b = check_int("batch_size", batch_size)
        tp = check_int("tp_size", tp_size)
        eta_mem = None if memory_efficiency is None else check_number(
            "memory_efficiency", memory_efficiency, minimum=0.0, maximum=1.0, exclusive_minimum=True)
        w = model.si(precision)
        read = _weights_read(model, w, b, check_int("ep_size", ep_size))
        kv = 0.0
        kv_key = kv_precision_key(kv_precision, precision)
        if seq_len is not None:
            latent = bool(getattr(model, "kv_lora_rank", None))
            kv = model.si(kv_key).kv_bytes_per_token * check_int("seq_len", seq_len) * b / kv_shards(
                tp, w.kv_heads, latent)
        req_bw = (read / tp + kv) / T
        req_flops = w.ops * b / (T * eta * tp)
        req_mem = w.weight_bytes / tp + kv
        if candidates is None:
            pool = zoo_hardware()
        else:
            try:
                if isinstance(candidates, (str, bytes, HardwareNode)):
                    raise TypeError
                pool = list(candidates)  # a list, a tuple, or a zoo group such as Hardware.Cloud
            except TypeError:
                raise InputError("candidates", "must be a list of HardwareNode (e.g. [Hardware.H100, Hardware.B200]), "
                                               f"got {type(candidates).__name__}") from None
            for i, hw in enumerate(pool):
                check_type(f"candidates[{i}]", hw, HardwareNode)
        if node is not None:
            check_type("node", node, Node)
        key, _ = resolve_precision(precision)
        ok = []
        for hw in pool:
            s = hw.si
            bw = s.sram_bw if (s.sram_bw > 0 and s.sram_capacity >= req_mem) else s.mem_bw
            bw *= eta_mem if eta_mem is not None else hw.memory_efficiency
            if bw >= req_bw and hw.peak_si(key) >= req_flops and s.mem_capacity >= req_mem:
                ok.append(hw.name)
        trace = [f"To run {model.name} in {T * 1e3:.4g} ms at η={eta:g}: ≥ {req_bw / 1e9:.4g} GB/s, "
                 f"≥ {req_flops / 1e12:.4g} TFLOP/s ({key}), ≥ {req_mem / 1e9:.4g} GB",
                 f"{len(ok)} of {len(pool)} known devices qualify" + (f": {', '.join(ok)}" if ok else "")]
        feasible = bool(ok) if pool else True
        wall = 2 if req_flops / req_bw < _median_ridge(pool, key) else 1
        if node is not None and tp > node.accelerators_per_node:
            feasible, wall = False, 14
            trace.append(f"Communication wall: a TP group of {tp} exceeds the {node.accelerators_per_node} "
                         f"accelerators of {node.name}")
        return SynthesisResult.build(
            feasible=feasible, binding_wall=wall,
            trace=trace, required_bw=req_bw, required_flops=req_flops, required_memory=req_mem,
            compute_memory_ratio=req_flops / req_bw, target_latency=T, model_size=w.weight_bytes,
            total_ops=w.ops * b, batch_size=b, candidates=ok,
        )


def _weights_read(model, w, batch: int, ep: int) -> float:
    """Weight bytes one decode pass reads over the group: |W|, or for MoE P_dense + E(1−(1−k/E)^B)·P_expert."""
    if not isinstance(model, SparseTransformerWorkload):
        if ep > 1:
            raise InputError("ep_size", "expert parallelism needs a SparseTransformerWorkload (MoE) model")
        return w.weight_bytes
    p_dense, p_exp = moe_parameter_split(w.params, w.active_params, model.experts, model.active_experts_per_token)
    touched = moe_expected_experts(model.experts, model.active_experts_per_token, batch)
    return (p_dense + touched * p_exp) * w.bpp


def _median_ridge(pool, key) -> float:
    """Median ridge point Peak/BW of the candidate pool (H100 fp16 ≈ 295 flop/byte if empty): a target
    whose required ratio sits below it asks mainly for bandwidth (wall 2), above it for FLOP/s (wall 1)."""
    ridges = sorted(hw.peak_si(key) / hw.si.mem_bw for hw in pool)
    if not ridges:
        return 989e12 / 3.35e12
    m = len(ridges)
    return ridges[m // 2] if m % 2 else 0.5 * (ridges[m // 2 - 1] + ridges[m // 2])
