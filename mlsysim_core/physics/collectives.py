"""Collective-communication cost models (α–β model), pure floats.

Every function takes a message size ``m`` in bytes (the full buffer each rank contributes), a rank
count ``n``, a **per-direction** link bandwidth ``bw`` in byte/s and a per-message latency ``alpha``
in seconds, and returns seconds. NVLink/ICI datasheet figures are send+receive totals; callers must
pass the per-direction half (``Node.intra_bw_si``, ``IOInterconnect.bandwidth_per_direction``).

Sources: Thakur, Rabenseifner & Gropp 2005 (collective algorithms, α–β costs); Patarasuk & Yuan 2009
(bandwidth-optimal ring all-reduce); Narayanan et al. 2021 (pipeline bubble, interleaved schedule).
"""

from __future__ import annotations

import math

__all__ = [
    "ring_allreduce",
    "tree_allreduce",
    "reduce_scatter",
    "all_gather",
    "hierarchical_allreduce",
    "all_to_all",
    "pipeline_bubble_fraction",
]


def ring_allreduce(m: float, n: int, bw: float, alpha: float = 0.0) -> float:
    """Ring all-reduce (Patarasuk & Yuan 2009).

    T = 2(n−1)/n · m/β + 2(n−1)·α        (reduce-scatter then all-gather, n−1 steps each)

    Each rank sends and receives 2(n−1)/n · m bytes — bandwidth-optimal; latency grows linearly in n.
    n ≤ 1 → 0.
    """
    if n <= 1 or m <= 0.0:
        return 0.0
    return 2.0 * (n - 1) / n * m / bw + 2.0 * (n - 1) * alpha


def tree_allreduce(m: float, n: int, bw: float, alpha: float = 0.0) -> float:
    """Binary-tree all-reduce, non-pipelined (reduce up the tree, broadcast down).

    k = ⌈log2 n⌉;  T = 2k · m/β + 2k·α

    Latency-optimal (log n steps) but every step moves the whole buffer, so it loses to the ring for
    large messages and wins for small ones (Thakur et al. 2005). n ≤ 1 → 0.
    """
    if n <= 1 or m <= 0.0:
        return 0.0
    k = math.ceil(math.log2(n))
    return 2.0 * k * m / bw + 2.0 * k * alpha


def reduce_scatter(m: float, n: int, bw: float, alpha: float = 0.0) -> float:
    """Ring reduce-scatter: T = (n−1)/n · m/β + (n−1)·α (each rank ends with m/n reduced bytes)."""
    if n <= 1 or m <= 0.0:
        return 0.0
    return (n - 1) / n * m / bw + (n - 1) * alpha


def all_gather(m: float, n: int, bw: float, alpha: float = 0.0) -> float:
    """Ring all-gather of a buffer of total size m: T = (n−1)/n · m/β + (n−1)·α."""
    return reduce_scatter(m, n, bw, alpha)


def hierarchical_allreduce(
    m: float,
    n_nodes: int,
    g: int,
    intra_bw: float,
    inter_bw: float,
    intra_alpha: float = 0.0,
    inter_alpha: float = 0.0,
) -> float:
    """Two-level all-reduce over ``n_nodes`` nodes with ``g`` participating ranks per node.

    1. intra-node reduce-scatter:   (g−1)/g · m/β_intra + (g−1)·α_intra
    2. inter-node ring all-reduce of the m/g shard, the g shards in parallel (one NIC per rank,
       rail-optimised): 2(N−1)/N · (m/g)/β_inter + 2(N−1)·α_inter
    3. intra-node all-gather:        same as step 1.

    With g = 1 it is a flat ring across nodes; with one node it is the intra-node ring.
    (An older upstream form did a full intra all-reduce plus an extra broadcast — not repeated here.)
    """
    if m <= 0.0 or n_nodes * g <= 1:
        return 0.0
    rs = reduce_scatter(m, g, intra_bw, intra_alpha)
    inter = ring_allreduce(m / g, n_nodes, inter_bw, inter_alpha)
    return rs + inter + rs


def all_to_all(m: float, n: int, bw: float, alpha: float = 0.0) -> float:
    """Pairwise all-to-all: each rank keeps 1/n of its m bytes and sends the rest.

    T = (n−1)/n · m/β + (n−1)·α. n ≤ 1 → 0.
    """
    if n <= 1 or m <= 0.0:
        return 0.0
    return (n - 1) / n * m / bw + (n - 1) * alpha


def pipeline_bubble_fraction(p: int, m: int, v: int = 1) -> float:
    """Idle fraction of a 1F1B pipeline step (Narayanan et al. 2021, §2.2).

    bubble = (p−1) / (v·m + p − 1)

    p pipeline stages, m microbatches, v model chunks per stage (interleaved schedule). It is the
    share of the pipeline's wall time spent idle, so the idle *time* is t_compute·(p−1)/(v·m).
    p = 1 → 0; always in [0, 1) and decreasing in m and v.
    """
    if p <= 1:
        return 0.0
    return (p - 1) / (v * m + p - 1)
