"""Lab 07 — the geography of AI: carbon and water (wall 18). Expected values from mlsysim_core only."""

from __future__ import annotations

from mlsys_labs.questions import LabSpec, Question


def _sus(v, grid=None):
    from mlsysim_core import Grids, SustainabilityModel, Systems

    return SustainabilityModel().solve(fleet=Systems.Clusters.get(v["cluster"]), duration_days=v["days"],
                                       grid=Grids.get(grid or v["grid"]), mfu=v["mfu"])


def water_per_it_kwh(v) -> float:
    """Litres of water per IT kWh for variant ``v`` (the grid's WUE, as the engine applies it)."""
    r = _sus(v)
    return float(r.water_usage_liters.to("L").magnitude / r.it_energy_kwh.to("kWh").magnitude)


LAB = LabSpec(
    id="07_carbon_water",
    title="07 · The geography of AI: carbon and water",
    version="1",
    walls=(18,),
    minutes=30,
    summary="The same training run emits 80× more CO₂ on one grid than another, and may drink millions of liters.",
    variant_space={
        "cluster": ("Lab_64_H100", "Research_256"),
        "grid": ("Poland", "Iowa", "US_Avg", "Germany", "Singapore", "Texas"),
        "days": (7, 14, 30),
        "mfu": (0.4, 0.5, 0.6),
    },
    questions=(
        Question(
            id="q_energy",
            prompt="{cluster} trains for {days} days at MFU {mfu} in {grid}. How much energy does the facility draw "
                   "(IT energy × PUE)?",
            unit="MWh", expected=lambda v: _sus(v).total_energy_kwh, rel_tol=0.02,
            hint="P_node = accelerators × busy power (≈ TDP when the job keeps them busy, whatever the MFU) + host "
                 "overhead (0.82 × the node's rated power − accelerator TDPs).",
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
