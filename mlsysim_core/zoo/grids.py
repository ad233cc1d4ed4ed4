"""Grid and datacenter zoo: carbon intensity, typical PUE/WUE and industrial electricity price by region.

Carbon intensity is the annual average in gCO2e/kWh from the cited source (Ember/OWID figures use
lifecycle emission factors; EIA figures are direct combustion). Quebec is the exception worth
knowing: Hydro-Québec's *direct* rate is ≈0.4 g/kWh, which would make every Quebec footprint
vanish; we use an Ember-style lifecycle value instead (see its notes).

``pue``, ``wue`` (site water, L/kWh), ``electricity_price`` (industrial, USD/kWh) and
``renewable_pct`` are regional **estimates** for a typical facility there (Uptime Institute 2023
global mean PUE 1.58, hyperscale ≈1.1; Green Grid industry WUE ≈1.8 L/kWh, free-air/liquid cooling in
cold climates far lower); each row's notes say which numbers are estimates.

``Datacenters`` are facilities on these grids that override PUE/WUE (e.g. liquid cooling); each entry's
``provenance`` (also :func:`datacenter_sources`, ``Datacenters.provenance_of(key)``) cites the PUE source.
"""

from __future__ import annotations

import datetime as _dt

from ._registry import Group

__all__ = ["Grids", "Datacenters", "VERIFIED", "ROWS", "DATACENTER_ROWS", "datacenter_sources"]

VERIFIED = _dt.date(2026, 11, 23)

_OWID = "https://ourworldindata.org/grapher/carbon-intensity-electricity"
_EGRID = "https://www.epa.gov/egrid/summary-data"
_EST = "pue/wue/price/renewable_pct: regional estimates. "

# ci gCO2/kWh | pue | wue L/kWh | price USD/kWh | renewable % | lat, lon
ROWS: dict[str, dict] = {
    "Quebec": dict(name="Quebec (Hydro)", ci=23, pue=1.10, wue=0.2, price=0.04, source="hydro", ren=99,
        lat=45.50, lon=-73.57, kind="derived",
        src="https://www.hydroquebec.com/sustainable-development/specialized-documentation/ghg-emissions.html",
        notes="Direct (generation + purchases) rate ≈0.4 g/kWh (360 t/TWh) per Hydro-Québec; that omits reservoir "
              "and construction emissions. Chosen value 23 g/kWh = Ember/IPCC-AR5 lifecycle factors (hydro median "
              "24, wind 11) applied to a ~94% hydro / ~5% wind supply [derived]. price: Hydro-Québec rate L, "
              "~CAD 0.05 [estimate]. " + _EST),
    "Poland": dict(name="Poland (Coal)", ci=662, pue=1.50, wue=1.0, price=0.18, source="coal", ren=27,
        lat=52.23, lon=21.01, kind="dataset", src=_OWID,
        notes="Ember 2023: ≈662 g/kWh, highest in the EU, coal ~61% of generation. " + _EST),
    "Iowa": dict(name="Iowa (Wind/Coal)", ci=306, pue=1.12, wue=1.0, price=0.07, source="wind_coal", ren=64,
        lat=41.59, lon=-93.62, kind="derived", src="https://www.eia.gov/state/?sid=IA",
        notes="Derived: EIA 2022 mix (wind 62.4%, coal 25.4%, gas 9.2%) x EIA fuel factors (coal 2.31, gas 0.96 "
              "lb/kWh) ≈ 306 g/kWh; EPA eGRID state value not retrieved. pue: hyperscale campuses. " + _EST),
    "US_Avg": dict(name="US Average", ci=367, pue=1.40, wue=1.8, price=0.08, source="mixed", ren=21,
        lat=39.83, lon=-98.58, kind="government", src="https://www.eia.gov/tools/faqs/faq.php?id=74&t=11",
        notes="EIA: 0.81 lb CO2/kWh for utility-scale generation in 2023 ≈ 367 g/kWh (2022: 0.86 lb ≈ 390). "
              "price: EIA 2023 average industrial ~8 c/kWh. " + _EST),
    "France": dict(name="France (Nuclear)", ci=56, pue=1.40, wue=1.0, price=0.14, source="nuclear", ren=27,
        lat=48.86, lon=2.35, kind="dataset", src=_OWID,
        notes="Ember/OWID 2023 lifecycle: 56 g/kWh (Electricity Maps 2023: 44). ~65% nuclear. " + _EST),
    "Norway": dict(name="Norway (Hydro)", ci=30, pue=1.10, wue=0.2, price=0.06, source="hydro", ren=98,
        lat=59.91, lon=10.75, kind="dataset", src=_OWID,
        notes="Ember 2023: 30 g/kWh (~88% hydro). " + _EST),
    "Singapore": dict(name="Singapore (Gas)", ci=470, pue=1.50, wue=2.0, price=0.20, source="gas", ren=4,
        lat=1.35, lon=103.82, kind="dataset", src=_OWID,
        notes="Ember/OWID 2023 ≈470 g/kWh (~95% natural gas). Hot, humid: higher PUE/WUE. " + _EST),
    "Germany": dict(name="Germany (Coal+Wind)", ci=380, pue=1.40, wue=1.0, price=0.20, source="mixed", ren=52,
        lat=50.11, lon=8.68, kind="dataset", src=_OWID,
        notes="Ember/OWID 2023 ≈380 g/kWh. Location: Frankfurt. " + _EST),
    "Iceland": dict(name="Iceland (Geothermal/Hydro)", ci=28, pue=1.08, wue=0.1, price=0.05,
        source="geothermal_hydro", ren=100, lat=64.15, lon=-21.94, kind="dataset", src=_OWID,
        notes="Ember/OWID 2023 ≈28 g/kWh (~70% hydro, ~30% geothermal). " + _EST),
    "Texas": dict(name="Texas (ERCOT)", ci=370, pue=1.40, wue=1.8, price=0.07, source="mixed", ren=31,
        lat=32.78, lon=-96.80, kind="government", src=_EGRID,
        notes="EPA eGRID ERCOT (ERCT) subregion output rate ~770-820 lb/MWh in recent editions ≈ 350-370 "
              "g/kWh; we use 370. Gas ~45%, wind+solar ~31%. " + _EST),
    "California": dict(name="California (CAISO)", ci=210, pue=1.40, wue=1.5, price=0.20, source="mixed", ren=54,
        lat=37.34, lon=-121.89, kind="government", src=_EGRID,
        notes="EPA eGRID CAMX subregion ≈ 200-230 g/kWh in recent editions; we use 210. High industrial price "
              "(EIA 2023 ~19-20 c/kWh). " + _EST),
    "India": dict(name="India (Coal)", ci=713, pue=1.60, wue=2.0, price=0.10, source="coal", ren=20,
        lat=19.08, lon=72.88, kind="dataset", src=_OWID,
        notes="Ember/OWID 2023: 713 g/kWh (~75% coal). Location: Mumbai. " + _EST),
    "China": dict(name="China (Coal)", ci=560, pue=1.50, wue=1.8, price=0.09, source="coal", ren=31,
        lat=39.90, lon=116.40, kind="dataset", src=_OWID,
        notes="Ember/OWID 2023 ≈560 g/kWh (~60% coal). Location: Beijing. " + _EST),
}

# key: grid key, pue override, wue override (L/kWh)
DATACENTER_ROWS: dict[str, dict] = {
    "Quebec_Hydro": dict(name="Quebec hydro, liquid-cooled", grid="Quebec", pue=1.06, wue=0.0),
    "Norway_Hydro": dict(name="Norway hydro, liquid-cooled", grid="Norway", pue=1.06, wue=0.0),
    "Iceland_Geothermal": dict(name="Iceland geothermal, free-air", grid="Iceland", pue=1.08, wue=0.0),
    "US_Hyperscale": dict(name="US hyperscale (best air)", grid="US_Avg", pue=1.10, wue=1.0),
    "Iowa_Hyperscale": dict(name="Iowa hyperscale campus", grid="Iowa", pue=1.10, wue=1.0),
    "France_Nuclear": dict(name="France colocation", grid="France", pue=None, wue=None),
    "Poland_Coal": dict(name="Poland colocation", grid="Poland", pue=None, wue=None),
    "Singapore_Colo": dict(name="Singapore colocation", grid="Singapore", pue=None, wue=None),
}

_LIQUID = ("Direct liquid cooling with a closed loop and dry coolers: PUE ≈1.06, ~no evaporative water "
           "[estimate; typical vendor figures 1.03-1.1].")
_DC_NOTES = {
    "Quebec_Hydro": _LIQUID, "Norway_Hydro": _LIQUID,
    "Iceland_Geothermal": "Free-air cooling in a cold climate: PUE ≈1.08, no evaporative water [estimate].",
    "US_Hyperscale": "Google reports a fleet-wide trailing-twelve-month PUE of ~1.10; WUE ~1 L/kWh [estimate].",
    "Iowa_Hyperscale": "Hyperscale campus values as US_Hyperscale [estimate].",
}


def build_grid(key: str, r: dict):
    """Turn one declarative row into a :class:`GridProfile`."""
    from ..types import GridProfile, Provenance

    return GridProfile(
        name=r["name"], carbon_intensity=f"{r['ci']} gCO2/kWh", pue=r["pue"], wue=f"{r['wue']} L/kWh",
        electricity_price=f"{r['price']} USD/kWh", primary_source=r["source"], renewable_pct=r["ren"],
        lat=r["lat"], lon=r["lon"],
        provenance=Provenance(source=r["src"], verified=VERIFIED, kind=r["kind"], notes=r["notes"]),
    )


def build_datacenter(key: str, r: dict):
    """A :class:`Datacenter` on one of :data:`Grids`, with optional PUE/WUE overrides."""
    from ..types import Datacenter

    return Datacenter(name=r["name"], grid=Grids.get(r["grid"]), pue_override=r["pue"],
                      wue_override=None if r["wue"] is None else f"{r['wue']} L/kWh",
                      provenance=_dc_source(key))


def _dc_source(key: str):
    from ..types import Provenance

    r = DATACENTER_ROWS[key]
    note = _DC_NOTES.get(key, "No override: the grid's typical PUE/WUE apply.")
    src = ("https://www.google.com/about/datacenters/efficiency/" if "Hyperscale" in key
           else ROWS[r["grid"]]["src"])
    return Provenance(source=src, verified=VERIFIED, kind="estimate", notes=note)


def _dc_sources() -> dict:
    return {key: _dc_source(key) for key in DATACENTER_ROWS}


def datacenter_sources() -> dict:
    """``{datacenter key: Provenance}`` (built on demand; also set on each entry's ``provenance`` field)."""
    return _dc_sources()


Grids = Group("Grids", ROWS, build_grid,
              doc="Electricity grids: carbon intensity, typical PUE/WUE, price. Grids.Quebec, Grids.get('poland').",
              default_fields=("carbon_intensity", "pue", "wue", "electricity_price", "primary_source"))

Datacenters = Group("Datacenters", DATACENTER_ROWS, build_datacenter,
                    doc="Facilities on a grid with PUE/WUE overrides (e.g. Datacenters.Quebec_Hydro).",
                    provenance=_dc_sources, default_fields=("pue", "grid.name"))
