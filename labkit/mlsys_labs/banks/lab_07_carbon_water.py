"""Lab 07 — the geography of AI: carbon and water (wall 18). Expected values from mlsysim_core only."""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question


#: the clusters the lab offers (Systems.Clusters keys)
CLUSTERS = ("Lab_64_H100", "Research_256", "Training_1K")


@lru_cache(maxsize=1024, typed=True)
def footprint(cluster: str, days: float, grid: str, busy: float):
    """SustainabilityModel result: ``cluster`` busy a fraction ``busy`` of ``days`` days on ``grid`` (cached by
    these values).

    Node power model (docs/physics.md): P_node = n·TDP·(0.3 + 0.7·busy) + host overhead; E = P·t·PUE.
    """
    from mlsysim_core import Grids, SustainabilityModel, Systems

    return SustainabilityModel().solve(fleet=Systems.Clusters.get(cluster), duration_days=days,
                                       grid=Grids.get(grid), busy_fraction=busy)


def every_grid(cluster: str, days: float, busy: float) -> list[dict]:
    """One row per zoo grid — operational tCO2 and water m³ of the same run — lowest carbon first."""
    from mlsysim_core import Grids

    rows = []
    for g in Grids.names():
        r = footprint(cluster, days, g, busy)
        rows.append({"grid": g, "tCO2": float(r.carbon_footprint_kg.to("tCO2").magnitude),
                     "water m³": float(r.water_usage_liters.to("m^3").magnitude)})
    return sorted(rows, key=lambda r: r["tCO2"])


def carbon_ratio(dirty: str = "Poland", clean: str = "Quebec", cluster: str = "Research_256",
                 days: float = 30, busy: float = 1.0) -> float:
    """Operational CO₂ of the same run on grid ``dirty`` over grid ``clean``."""
    return float(footprint(cluster, days, dirty, busy).carbon_footprint_kg
                 / footprint(cluster, days, clean, busy).carbon_footprint_kg)


def _sus(v, grid=None):
    return footprint(v["cluster"], v["days"], grid or v["grid"], v["busy"])


def water_per_it_kwh(v) -> float:
    """Litres of water per IT kWh for variant ``v`` (the grid's WUE, as the engine applies it)."""
    r = _sus(v)
    return float(r.water_usage_liters.to("L").magnitude / r.it_energy_kwh.to("kWh").magnitude)


LAB = LabSpec(
    id="07_carbon_water",
    title="07 · The geography of AI: carbon and water",
    version="2",
    walls=(18,),
    minutes=30,
    summary="The same training run emits 80× more CO₂ on one grid than another, and may drink millions of liters.",
    variant_space={
        "cluster": ("Lab_64_H100", "Research_256"),
        "grid": ("Poland", "Iowa", "US_Avg", "Germany", "Singapore", "Texas"),
        "days": (7, 14, 30),
        "busy": (0.8, 0.9, 1.0),
    },
    questions=(
        Question(
            id="q_energy",
            prompt="{cluster} trains for {days} days, its accelerators busy {busy} of the time, in {grid}. How much energy does the facility draw "
                   "(IT energy × PUE)?",
            unit="MWh", expected=lambda v: _sus(v).total_energy_kwh, rel_tol=0.02,
            hint="P_node = accelerators × TDP × (0.3 + 0.7 × busy fraction) + host overhead (0.82 × the node's rated "
                 "power − accelerator TDPs); MFU barely moves it: a busy GPU draws near its TDP.",
        ),
        Question(
            id="q_carbon",
            prompt="What operational carbon does that run emit in {grid}?",
            unit="tCO2", expected=lambda v: _sus(v).carbon_footprint_kg, rel_tol=0.02,
            explain="CO₂ = E_IT × PUE × carbon intensity.",
        ),
        Question(
            id="q_water",
            prompt="How much water does the facility consume for it?",
            unit="m^3", expected=lambda v: _sus(v).water_usage_liters, rel_tol=0.02, abs_tol="1 m^3",
            explain="Water = E_IT × WUE: The Green Grid's WUE is litres per IT kWh (not per facility kWh).",
        ),
        Question(
            id="q_quebec",
            prompt="Move the same run to Quebec. What operational carbon does it emit there?",
            unit="tCO2", expected=lambda v: _sus(v, "Quebec").carbon_footprint_kg, rel_tol=0.02,
        ),
    ),
)
