"""Question bank of lab 11 — reliability and checkpoints: the Young–Daly U-curve (walls 15, 19).

ReliabilityModel: a fleet of N DGX H100 servers fails N times as often as one server; checkpointing every τ
costs δ/τ of the time, a failure costs on average τ/2 of rework plus the recovery R, so goodput
1 − δ/τ − (τ/2 + R)/MTBF is a U-curve (an upside-down one) with its best point at τ* = √(2δ·MTBF).
CheckpointModel: how big a checkpoint is and how long writing it blocks training.
"""

from __future__ import annotations

from functools import lru_cache

from mlsysim_core import CheckpointModel, Fleet, Hardware, Models, Q_, ReliabilityModel, Systems

from ..questions import LabSpec, Question
from ..variants import Variant

NODE = "DGX_H100"
FABRIC = "InfiniBand_NDR"
RECOVERY_S = 300.0  # restart + reload after a failure (ReliabilityModel default)


def fleet(nodes: int, node: str = NODE) -> Fleet:
    n = Systems.Nodes.get(node)
    return Fleet(name=f"{nodes} × {n.name}", node=n, count=nodes, fabric=Systems.Fabrics.get(FABRIC))


@lru_cache(maxsize=1024, typed=True)
def reliability(nodes: int, days: float, delta_s: float, interval_s: float | None = None,
                recovery_s: float = RECOVERY_S, node: str = NODE):
    return ReliabilityModel().solve(fleet=fleet(nodes, node), job_duration_hours=days * 24.0,
                                    checkpoint_time_s=delta_s, recovery_time_s=recovery_s,
                                    checkpoint_interval_s=interval_s)


def goodput_curve(nodes: int, days: float, delta_s: float, recovery_s: float = RECOVERY_S, node: str = NODE,
                  points: int = 48) -> list[dict]:
    """Goodput (%) vs checkpoint interval (minutes), log-spaced from τ*/20 to 20·τ*; ReliabilityModel per point."""
    tau = float(reliability(nodes, days, delta_s, None, recovery_s, node).optimal_checkpoint_interval.to("s").magnitude)
    rows = []
    for i in range(points):
        t = tau / 20.0 * 400.0 ** (i / (points - 1))
        r = reliability(nodes, days, delta_s, t, recovery_s, node)
        rows.append({"interval_min": t / 60.0, "goodput_pct": 100.0 * r.goodput_ratio})
    return rows


@lru_cache(maxsize=1024, typed=True)
def checkpoint(model: str, interval_h: float, writers: int, hardware: str = "H100"):
    return CheckpointModel().solve(model=Models.get(model), hardware=Hardware.get(hardware), optimizer="adam",
                                   checkpoint_interval=Q_(interval_h, "hour"), n_writers=writers)


def _rel(v: Variant):
    return reliability(v["nodes"], v["days"], v["delta_s"])


LAB = LabSpec(
    id="11_reliability_checkpoints",
    title="11 · Reliability and checkpoints: the Young–Daly U-curve",
    version="1",
    walls=(15, 19),
    minutes=45,
    summary="Big fleets fail often. Checkpoint too rarely and failures erase hours of work; too often and the "
            "writes eat the run. Find the sweet spot τ* = √(2δ·MTBF) and what it costs.",
    variant_space={
        "nodes": (32, 64, 128, 256, 512),
        "days": (14, 30, 60),
        "delta_s": (30, 60, 120, 300),
        "model": ("Llama3_8B", "Llama3_70B", "Llama3_405B"),
        "interval_h": (1, 2, 4),
        "writers": (1, 8, 64),
    },
    questions=(
        Question(
            id="q_mtbf",
            prompt="A training fleet of {nodes} DGX H100 servers (8 GPUs, 8 NICs, 6 PSUs each). What is the fleet's "
                   "mean time between failures? (e.g. 57 h)",
            unit="hour", expected=lambda v: _rel(v).fleet_mtbf, rel_tol=0.02,
            explain="MTBF_node = 1/Σ(n_i/MTTF_i); MTBF_fleet = MTBF_node / N.",
        ),
        Question(
            id="q_failures",
            prompt="How many failures should the {days}-day job expect? (a count, may be fractional)",
            unit="", expected=lambda v: _rel(v).expected_failures, rel_tol=0.02,
            explain="E[failures] = T_job / MTBF_fleet (failures arrive as a Poisson process).",
        ),
        Question(
            id="q_tau",
            prompt="Writing a checkpoint stalls the job for δ = {delta_s} s. What checkpoint interval maximises "
                   "goodput (Young–Daly)? (e.g. 45 min)",
            unit="min", expected=lambda v: _rel(v).optimal_checkpoint_interval, rel_tol=0.02,
            explain="τ* = √(2·δ·MTBF): the point where checkpoint cost δ/τ equals expected rework τ/(2·MTBF).",
        ),
        Question(
            id="q_goodput",
            prompt="At τ*, with a " + f"{RECOVERY_S:g}" + " s restart after each failure, what fraction of wall-clock "
                   "time is useful training (goodput)? (a percentage, e.g. 95 %)",
            unit="%", expected=lambda v: Q_(_rel(v).goodput_ratio, ""), rel_tol=0.01,
            explain="goodput = 1 − δ/τ − (τ/2 + R)/MTBF.",
        ),
        Question(
            id="q_ckpt_penalty",
            prompt="Checkpoint wall: {model} trained with Adam writes fp16 weights + fp32 optimizer state "
                   "(14 B/param) through {writers} H100 storage writer(s), every {interval_h} h. What fraction of "
                   "the run is lost to blocking writes (MFU penalty)? (a percentage)",
            unit="%", expected=lambda v: Q_(checkpoint(v["model"], v["interval_h"], v["writers"]).mfu_penalty, ""),
            rel_tol=0.02,
            explain="penalty = T_write / T_interval; T_write = P·14 B / min(n·BW_disk, BW_filesystem).",
        ),
    ),
)
