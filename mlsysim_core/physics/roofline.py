"""Single-node roofline on plain floats (base units: s, byte, flop, W, J).

The forward model of walls 1–2 (seed paper §4.1; Williams, Waterman & Patterson 2009, "Roofline: an
insightful visual performance model"):

    T_compute = OPs·B / (Peak·η)
    T_memory  = (|W| + B·A) / (BW_eff·η_mem)       (A = activation bytes per sample, from the workload;
                                                    η_mem achieved fraction of the tier's bandwidth, 1 = paper)
    T         = max(T_compute, T_memory) + t_dispatch + L·t_layer
    MFU       = (OPs·B / T) / Peak
    E         = TDP·(0.3 + 0.7·MFU)·T

BW_eff is the bandwidth of the tier the weights are streamed from: on-chip SRAM when the weights fit
in it, flash for MCUs (TinyML), main memory otherwise, and — when the footprint exceeds main memory —
the host link that weights spill over (min(BW_mem, BW_host or 64 GB/s)).

No pint in here: resolvers convert once at their boundary and call these functions.
"""

from __future__ import annotations

from typing import NamedTuple

from .constants import (
    DYNAMIC_POWER_FRACTION,
    FALLBACK_OFFLOAD_BW,
    FRAMEWORK_LAYER_TAX_S,
    IDLE_POWER_FRACTION,
)

__all__ = [
    "RooflinePoint",
    "memory_traffic",
    "select_bandwidth",
    "bottleneck",
    "ridge_point",
    "energy",
    "roofline",
]


def memory_traffic(weight_bytes: float, batch: float, act_bytes: float) -> float:
    """Bytes moved per forward pass: |W| + B·A — the weights stream once per pass, activations per sample.

    A comes from the workload (``WorkloadSI.act_bytes``): 8·d·L·b per token for decoder LMs (so large-batch
    decode can cross the ridge, as measured on real GPUs), 10 % of |W| per sample where no width is known
    (upstream MLSys·im's |W|(1 + 0.1·B) heuristic)."""
    return weight_bytes + batch * act_bytes


def select_bandwidth(
    weight_bytes: float,
    fits: bool,
    mem_bw: float,
    sram_capacity: float = 0.0,
    sram_bw: float = 0.0,
    flash_bw: float = 0.0,
    host_bw: float = 0.0,
) -> tuple[float, str]:
    """Effective streaming bandwidth [B/s] and the tier it comes from.

    * footprint does not fit main memory → offload over the host link: min(BW_mem, BW_host or 64 GB/s);
    * weights fit in SRAM (capacity and bandwidth known) → SRAM bandwidth;
    * flash bandwidth known (TinyML: weights execute in place from flash) → flash bandwidth;
    * otherwise main-memory (HBM/DRAM) bandwidth.
    """
    if not fits:
        return min(mem_bw, host_bw if host_bw > 0 else FALLBACK_OFFLOAD_BW), "offload"
    if sram_capacity > 0 and sram_bw > 0 and weight_bytes <= sram_capacity:
        return sram_bw, "SRAM"
    if flash_bw > 0:
        return flash_bw, "flash"
    return mem_bw, "HBM"


def bottleneck(t_compute: float, t_memory: float) -> str:
    """"Compute" or "Memory" — whichever roof is lower (ties → "Compute", as upstream)."""
    return "Memory" if t_memory > t_compute else "Compute"


def ridge_point(peak: float, bw: float) -> float:
    """Ridge intensity I* = Peak / BW [flop/byte]: above it a kernel is compute-bound (Williams 2009)."""
    return peak / bw


def energy(tdp: float, mfu: float, latency: float) -> float:
    """E = TDP·(0.3 + 0.7·MFU)·T [J] (idle floor plus utilisation-proportional dynamic power)."""
    return tdp * (IDLE_POWER_FRACTION + DYNAMIC_POWER_FRACTION * mfu) * latency


class RooflinePoint(NamedTuple):
    """All floats in base units (s, flop, byte, B/s, flop/s, J)."""

    latency: float
    t_compute: float
    t_memory: float
    t_overhead: float
    batch_ops: float
    traffic: float
    footprint: float
    fits: bool
    bw: float
    bw_source: str
    peak_eff: float
    mfu: float
    energy: float
    spill: float


def roofline(
    ops: float,
    weight_bytes: float,
    layers: int,
    batch: int,
    peak: float,
    eta: float,
    mem_capacity: float,
    mem_bw: float,
    sram_capacity: float = 0.0,
    sram_bw: float = 0.0,
    flash_bw: float = 0.0,
    host_bw: float = 0.0,
    dispatch: float = 0.0,
    tdp: float = 0.0,
    footprint: float | None = None,
    act_bytes: float | None = None,
    tier_efficiency: dict | None = None,
) -> RooflinePoint:
    """One inference forward pass of ``batch`` samples (seed paper §4.1; facts §2.2).

    ``ops`` is FLOP per sample, ``footprint`` defaults to ``weight_bytes`` (inference), ``act_bytes`` (activation
    bytes per sample) defaults to 10 % of ``weight_bytes``. ``tier_efficiency`` maps the selected tier ("HBM",
    "SRAM", "flash", "offload") to the achieved fraction η_mem of its bandwidth (BW_eff = BW_tier·η_mem; none
    given → the datasheet bandwidth, the seed paper's roofline).
    """
    fp = weight_bytes if footprint is None else footprint
    fits = fp <= mem_capacity
    bw, src = select_bandwidth(weight_bytes, fits, mem_bw, sram_capacity, sram_bw, flash_bw, host_bw)
    if tier_efficiency is not None:
        bw *= tier_efficiency.get(src, 1.0)
    batch_ops = ops * batch
    traffic = weight_bytes + batch * (0.1 * weight_bytes if act_bytes is None else act_bytes)
    peak_eff = peak * eta
    t_c = batch_ops / peak_eff
    t_m = traffic / bw
    t_o = dispatch + layers * FRAMEWORK_LAYER_TAX_S
    lat = (t_c if t_c >= t_m else t_m) + t_o
    mfu = batch_ops / lat / peak
    if mfu > 1.0:
        mfu = 1.0
    e = tdp * (IDLE_POWER_FRACTION + DYNAMIC_POWER_FRACTION * mfu) * lat
    return RooflinePoint(lat, t_c, t_m, t_o, batch_ops, traffic, fp, fits, bw, src, peak_eff, mfu, e,
                         0.0 if fits else fp - mem_capacity)
