"""Question bank of lab 14 — capstone: full-stack audit of Llama-3-70B on 512 H100s (all six domains).

The seed capstone composes nine resolvers (SingleNodeModel, DataModel, ScalingModel, DistributedModel,
ReliabilityModel, EconomicsModel, SustainabilityModel, SensitivitySolver, SynthesisSolver) over one
workload on ``Systems.Clusters.Capstone_512`` (64 DGX H100 on InfiniBand NDR). ``mlsysim_core.scenario.
capstone_audit`` produces the summary table; the helpers here expose the same calls with the student's
design choices (pipeline depth, batch, site, duration, checkpoint cost).
"""

from __future__ import annotations

from functools import lru_cache

from mlsysim_core import (DistributedModel, EconomicsModel, Fleet, Grids, Models, ReliabilityModel,
                          SustainabilityModel, Systems)

from ..questions import LabSpec, Question
from ..variants import Variant

MODEL = "Llama3_70B"
CLUSTER = "Capstone_512"
PRECISION = "bf16"
SEQ_LEN = 4096
TP = 8  # tensor parallelism inside one DGX (NVLink)


def cluster(region: str | None = None, nodes: int | None = None) -> Fleet:
    base = Systems.Clusters.get(CLUSTER)
    upd = {}
    if region is not None:
        upd["region"] = Grids.get(region)
    if nodes is not None:
        upd["count"] = nodes
        upd["name"] = f"{nodes} × {base.node.name}"
    return base.model_copy(update=upd) if upd else base


@lru_cache(maxsize=1024, typed=True)
def training_step(pp: int, batch: int, tp: int = TP, region: str | None = None, nodes: int | None = None,
                  overlap: bool = True):
    return DistributedModel().solve(model=Models.get(MODEL), fleet=cluster(region, nodes), batch_size=batch,
                                    precision=PRECISION, tp_size=tp, pp_size=pp, overlap_comm=overlap,
                                    seq_len=SEQ_LEN)


@lru_cache(maxsize=1024, typed=True)
def reliability(days: float, delta_s: float, nodes: int | None = None):
    return ReliabilityModel().solve(fleet=cluster(None, nodes), job_duration_hours=days * 24.0,
                                    checkpoint_time_s=delta_s)


@lru_cache(maxsize=1024, typed=True)
def operations(region: str, days: float, mfu: float, nodes: int | None = None):
    """(EconomicsModel, SustainabilityModel) results for the run sited in ``region``."""
    f = cluster(region, nodes)
    g = Grids.get(region)
    eco = EconomicsModel().solve(fleet=f, duration_days=days, grid=g, mfu=mfu)
    sus = SustainabilityModel().solve(fleet=f, duration_days=days, datacenter=g, mfu=mfu)
    return eco, sus


def _step(v: Variant):
    return training_step(v["pp"], v["batch"])


def _ops(v: Variant):
    return operations(v["region"], v["days"], float(_step(v).mfu))


LAB = LabSpec(
    id="14_capstone_audit",
    title="14 · Capstone: full-stack audit of Llama-3-70B on 512 H100s",
    version="1",
    walls=(1, 2, 8, 11, 14, 15, 17, 18, 21, 22),
    minutes=60,
    summary="One workload, six domains: node, data, algorithm, fleet, operations and analysis. No single "
            "resolver tells the story; the audit table does.",
    variant_space={
        "pp": (2, 4, 8),
        "batch": (512, 1024, 2048),
        "region": ("Quebec", "Poland", "Iowa", "US_Avg", "France", "Norway", "Singapore"),
        "days": (14, 30, 60),
        "delta_s": (60, 120, 300),
    },
    questions=(
        Question(
            id="q_step",
            prompt="Fleet: Llama-3-70B (bf16, {batch} sequences of 4,096 tokens per step) on 64 DGX H100 with "
                   "TP = 8 inside each server and PP = {pp}, data parallel across the rest, communication "
                   "overlapped. How long is one training step? (e.g. 8.9 s)",
            unit="s", expected=lambda v: _step(v).step_latency_total, rel_tol=0.02,
            explain="T_step = compute + exposed DP comm + TP comm + pipeline bubble (DistributedModel).",
        ),
        Question(
            id="q_eff",
            prompt="What is the scaling efficiency of that configuration (single-GPU compute time ÷ step time)? "
                   "(a percentage, e.g. 80 %)",
            unit="%", expected=lambda v: _step(v).scaling_efficiency * 100.0, rel_tol=0.02,
            explain="efficiency = T_compute / T_step: everything else is communication or bubble.",
        ),
        Question(
            id="q_failures",
            prompt="Reliability: how many failures should a {days}-day run on the 512 GPUs expect? (a count)",
            unit="", expected=lambda v: reliability(v["days"], v["delta_s"]).expected_failures, rel_tol=0.02,
            explain="E[failures] = T / MTBF_fleet, MTBF_fleet = MTBF_node / 64.",
        ),
        Question(
            id="q_tau",
            prompt="A checkpoint stalls the run for δ = {delta_s} s. What is the Young–Daly checkpoint interval? "
                   "(e.g. 80 min)",
            unit="min", expected=lambda v: reliability(v["days"], v["delta_s"]).optimal_checkpoint_interval,
            rel_tol=0.02,
            explain="τ* = √(2·δ·MTBF_fleet).",
        ),
        Question(
            id="q_tco",
            prompt="Operations: the run lasts {days} days in {region}, with the GPUs drawing power at the fleet MFU "
                   "of your configuration. What does it cost (TCO for the period)? (e.g. 490 kUSD)",
            unit="USD", expected=lambda v: _ops(v)[0].tco_usd, rel_tol=0.03,
            explain="TCO = CapEx·t/3 yr + E·price + 5 %/yr maintenance; E = P_node·nodes·t·PUE (busy accelerators + host overhead).",
        ),
        Question(
            id="q_carbon",
            prompt="And how much operational CO₂ does it emit there? (e.g. 3.8 tCO2)",
            unit="tCO2", expected=lambda v: _ops(v)[1].carbon_footprint_kg, rel_tol=0.03,
            explain="CO₂ = E_IT · PUE · CI — the grid, not the model, sets this row.",
        ),
    ),
)
