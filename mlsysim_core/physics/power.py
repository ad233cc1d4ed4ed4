"""Power of accelerators and the nodes around them, pure floats (W, s, J).

Two models (``power_model=``):

* ``"node"`` (default, measured systems):

      P_accel(u) = TDP · (p_idle + (1 − p_idle)·u)         u = fraction of time the device is busy (kernels
                                                            running); p_idle = 0.30, the seed paper's idle floor
      P_host     = f_load · P_rated − n·TDP                (node datasheet rating P_rated, f_load = 0.82)
                 = h · n·TDP                               (no rating known: h = 0.50)
      P_node(u)  = n·P_accel(u) + P_host                   (CPUs, DRAM, NICs, fans, PSU loss; not scaled by u)

  A training or serving job keeps its devices busy nearly all the time even at 20–40 % MFU, so u, not MFU,
  drives the draw. f_load = 0.82: an 8×H100 HGX node training Llama-2-13B at near-full GPU utilisation peaked at
  8.4 kW against its 10.2 kW rating (Latif et al. 2024, "Empirical Measurements of AI Training Power Demand on a
  GPU-Accelerated Node", arXiv:2412.08602); 0.82·10.2 kW − 8·700 W = 2.76 kW of host draw, which is where the
  default h = 2.76/5.6 ≈ 0.5 comes from. GPT-3 check (Patterson et al. 2021, Table 4: 330 W per V100 including
  its share of the server): a DGX-1 (3.5 kW rated, 8 × 300 W) gives 300 + (0.82·3.5 kW − 2.4 kW)/8 = 359 W.

* ``"paper"`` (seed paper §4, kept so the book's worked numbers reproduce): P = TDP·(0.3 + 0.7·MFU), accelerators
  only, no host.
"""

from __future__ import annotations

from .constants import DYNAMIC_POWER_FRACTION, IDLE_POWER_FRACTION

__all__ = [
    "POWER_MODELS",
    "NODE_FULL_LOAD_FRACTION",
    "DEFAULT_HOST_POWER_FRACTION",
    "paper_accelerator_power",
    "busy_accelerator_power",
    "host_power",
    "node_power",
]

POWER_MODELS = ("node", "paper")
#: measured full-load draw of a training node as a fraction of its datasheet rating (Latif et al. 2024: 8.4/10.2 kW)
NODE_FULL_LOAD_FRACTION = 0.82
#: host draw per watt of accelerator TDP when the node has no rating (DGX H100: 2.76 kW / 5.6 kW ≈ 0.5)
DEFAULT_HOST_POWER_FRACTION = 0.5


def paper_accelerator_power(tdp: float, mfu: float) -> float:
    """Seed paper: P = TDP·(0.3 + 0.7·MFU)."""
    return tdp * (IDLE_POWER_FRACTION + DYNAMIC_POWER_FRACTION * mfu)


def busy_accelerator_power(tdp: float, busy: float) -> float:
    """P_accel(u) = TDP·(p_idle + (1 − p_idle)·u), u ∈ [0, 1] the busy fraction of time."""
    return tdp * (IDLE_POWER_FRACTION + (1.0 - IDLE_POWER_FRACTION) * busy)


def host_power(n_accel: int, tdp: float, rated_node_power: float = 0.0) -> float:
    """Host overhead of one node [W]: max(0, 0.82·P_rated − n·TDP) from a datasheet rating, else 0.5·n·TDP."""
    if rated_node_power > 0.0:
        return max(0.0, NODE_FULL_LOAD_FRACTION * rated_node_power - n_accel * tdp)
    return DEFAULT_HOST_POWER_FRACTION * n_accel * tdp


def node_power(n_accel: int, tdp: float, busy: float, rated_node_power: float = 0.0) -> float:
    """P_node(u) = n·P_accel(u) + P_host [W]; never below the accelerators' own draw."""
    return n_accel * busy_accelerator_power(tdp, busy) + host_power(n_accel, tdp, rated_node_power)
