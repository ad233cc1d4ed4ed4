"""Question bank of lab 08 — the $9M GPU: reasoning depth → fleet size → TCO → placement (wall 17).

Chain (every number from ``mlsysim_core``): InferenceScalingModel gives the time per query T(K) at batch 1;
Little's law sizes the fleet (GPUs = λ·T, rounded up, in whole servers); EconomicsModel prices one year of
that fleet in a region; PlacementOptimizer ranks candidate regions by TCO + carbon tax.
The helpers below take plain arguments so the lab notebook reuses them with its widgets' values.
"""

from __future__ import annotations

import math
from functools import lru_cache

from mlsysim_core import (EconomicsModel, Fleet, Grids, Hardware, InferenceScalingModel, Models,
                          PlacementOptimizer, Q_, Systems)

from ..questions import LabSpec, Question
from ..variants import Variant

PRECISION = "fp16"
CONTEXT = 2048  # prompt tokens before the reasoning starts
DAYS = 365.0
MODEL = "Llama3_70B"
#: server (Systems.Nodes key) that houses each accelerator
NODE_OF = {"H100": "DGX_H100", "H200": "DGX_H200", "B200": "DGX_B200", "A100": "DGX_A100",
           "MI300X": "MI300X_Platform"}
FABRIC = "InfiniBand_NDR"
SITE_SETS = (
    "US_Avg, Iowa, France, Poland",
    "Texas, France, India, Singapore",
    "Germany, California, Iowa, France",
)
REGION_CHOICES = tuple(dict.fromkeys(r for s in SITE_SETS for r in s.split(", ")))


@lru_cache(maxsize=256, typed=True)
def query(model: str, hardware: str, steps: int, context: int = CONTEXT):
    """InferenceScalingModel result for one query (batch 1); cached by its arguments like :func:`plan`."""
    return InferenceScalingModel().solve(model=Models.get(model), hardware=Hardware.get(hardware),
                                         reasoning_steps=steps, context_length=context, precision=PRECISION)


def gpus_needed(qps: float, seconds_per_query: float) -> int:
    """Little's law at batch 1: concurrent queries = λ·T, one query per accelerator, rounded up."""
    return max(1, math.ceil(qps * seconds_per_query - 1e-9))


def serving_fleet(hardware: str, gpus: int, region: str | None = None) -> Fleet:
    node = Systems.Nodes.get(NODE_OF[hardware])
    nodes = max(1, -(-gpus // node.accelerators_per_node))
    return Fleet(name=f"{nodes} × {node.name}", node=node, count=nodes, fabric=Systems.Fabrics.get(FABRIC),
                 region=Grids.get(region) if region else None)


@lru_cache(maxsize=1024, typed=True)
def plan(model: str, hardware: str, steps: int, qps: float, region: str):
    """(query result, GPUs needed, fleet, one-year EconomicsModel result) for one serving design.

    Cached by its arguments (the results are frozen): the five questions of a variant, and every student
    whose variant shares the design, reuse one solve."""
    q = query(model, hardware, steps)
    t = float(q.total_reasoning_time.to("s").magnitude)
    n = gpus_needed(qps, t)
    fleet = serving_fleet(hardware, n, region)
    eco = EconomicsModel().solve(fleet=fleet, duration_days=DAYS, grid=Grids.get(region), mfu=float(q.mfu))
    return q, n, fleet, eco


def placement(fleet: Fleet, sites: list[str], tax: float, mfu: float):
    return PlacementOptimizer().solve(fleet=fleet, duration_days=DAYS, regions=list(sites),
                                      carbon_tax_per_ton=float(tax), mfu=mfu, top_k=len(sites))


def site_costs(fleet: Fleet, site: str, mfu: float):
    """EconomicsModel result of one year of ``fleet`` at candidate ``site`` (a Grids key)."""
    return EconomicsModel().solve(fleet=fleet, duration_days=DAYS, grid=Grids.get(site), mfu=mfu)


@lru_cache(maxsize=64)
def region_key(display_name: str) -> str:
    """Zoo key of a grid from its display name ("Iowa (Wind/Coal)" → "Iowa")."""
    for key in Grids.names():
        if Grids.get(key).name == display_name:
            return key
    return display_name


# -- per-variant expected values ----------------------------------------------------------------
def _plan(v: Variant):
    return plan(MODEL, v["hardware"], v["steps"], v["qps"], v["region"])


@lru_cache(maxsize=4096, typed=True)
def best_site(model: str, hardware: str, steps: int, qps: float, sites: str, tax: float) -> str:
    """Zoo key of the site (of the comma-separated ``sites``) that minimises TCO + carbon tax for the fleet of
    :func:`plan` (cached by its arguments).

    The variant's own region is not an argument: the optimizer prices the fleet at each candidate site, which
    overrides the fleet's region, so every region of a design shares one search."""
    q = query(model, hardware, steps)
    n = gpus_needed(qps, float(q.total_reasoning_time.to("s").magnitude))
    res = placement(serving_fleet(hardware, n), sites.split(", "), tax, float(q.mfu))
    return region_key(res.best_region)


def _best_site(v: Variant) -> str:
    return best_site(MODEL, v["hardware"], v["steps"], v["qps"], v["sites"], v["tax"])


def _energy_share(v: Variant) -> float:
    eco = _plan(v)[3]
    return Q_(float((eco.opex_energy_usd / eco.tco_usd).to("").magnitude), "")  # a fraction


LAB = LabSpec(
    id="08_tco_placement",
    title="08 · The $9M GPU: TCO and placement",
    version="1",
    walls=(17,),
    minutes=45,
    summary="Reasoning depth is a capital decision: K thinking steps multiply the time per query, the fleet "
            "Little's law demands, and the yearly bill; then choose where to put that fleet.",
    variant_space={
        "hardware": ("B200", "MI300X", "H200"),
        "steps": (4, 8, 16),
        "qps": (25, 50, 100),
        "region": ("US_Avg", "Iowa", "Poland", "France", "Singapore", "Texas"),
        "sites": SITE_SETS,
        "tax": (0, 100, 500, 1000),
    },
    questions=(
        Question(
            id="q_query",
            prompt="Llama-3-70B (fp16) answers a 2,048-token prompt with {steps} reasoning steps of 50 tokens each, "
                   "at batch 1 on one {hardware}. How long does one query take? (e.g. 7.5 s)",
            unit="s", expected=lambda v: _plan(v)[0].total_reasoning_time, rel_tol=0.03,
            explain="T = TTFT + K·50·ITL̄: decode dominates, so T grows almost linearly with K.",
        ),
        Question(
            id="q_gpus",
            prompt="Each {hardware} serves one query at a time. How many accelerators sustain {qps} queries/s? "
                   "(Little's law: concurrency = λ·T; round up; a count)",
            unit="", expected=lambda v: _plan(v)[1], rel_tol=0.02, abs_tol="1",
            explain="N = ⌈λ·T⌉ — queries in flight equal arrival rate × time in the system.",
        ),
        Question(
            id="q_tco",
            prompt="Those accelerators are bought in whole 8-GPU servers and run for one year in {region}, drawing "
                   "power at the serving MFU. What is the one-year TCO? (e.g. 9.1 MUSD)",
            unit="USD", expected=lambda v: _plan(v)[3].tco_usd, rel_tol=0.03,
            explain="TCO = CapEx/3 yr + E·price + 5 %·CapEx per year; E = P_node·nodes·t·PUE "
                    "(busy accelerators + host overhead).",
        ),
        Question(
            id="q_energy_share",
            prompt="What share of that one-year TCO is electricity? (a percentage, e.g. 6 %)",
            unit="%", expected=_energy_share, rel_tol=0.03,
            explain="Even at full draw (busy accelerators plus hosts) electricity is a small share: capital dominates "
                    "the bill.",
        ),
        Question(
            id="q_place",
            prompt="Your company can host the same fleet in {sites}. With a carbon tax of {tax} USD per tonne of CO₂, "
                   "which site minimises TCO + carbon tax? (choose one)",
            kind="choice", choices=REGION_CHOICES, expected=_best_site,
            explain="objective(r) = TCO(r) + tax·CO₂(r): CapEx is the same everywhere, so price·PUE and "
                    "tax·CI·PUE decide.",
        ),
    ),
)
