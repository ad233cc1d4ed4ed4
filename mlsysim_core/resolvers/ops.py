"""Operations domain — walls 17–20: capital (TCO), sustainability (carbon, water), checkpointing and
responsible engineering (privacy / fairness costs).

All four are first-order accounting models: closed-form, no randomness, floats inside.
Conventions (seed paper §4 Operations; Patterson et al. 2021 "Carbon Emissions and Large Neural
Network Training"):

* node power         P_node = n·TDP·(0.3 + 0.7·u) + P_host   (u = busy fraction; host from the node's rating;
                     physics/power.py — ``power_model="node"``, the default)
                     seed paper: P = TDP·(0.30 + 0.70·MFU) per accelerator, no host (``power_model="paper"``)
* IT energy          E_IT = P_node · N_nodes · t
* facility energy    E = E_IT · PUE                          (PUE: datacenter → grid/fleet region → US_Avg 1.40)
* carbon             CO₂ = E · CI                            (operational; embodied reported separately)
* water              W = E_IT · WUE                          (The Green Grid's WUE is litres per IT kWh; the seed
                                                              paper's E · WUE is kept with ``power_model="paper"``)

No region anywhere (no ``datacenter``/``grid`` argument, fleet without region/datacenter) → the zoo grid
``Grids.US_Avg`` (EIA 2023: 367 gCO2/kWh, PUE 1.40, WUE 1.8 L/kWh, $0.08/kWh) — the same row a user gets from
``Grids.US_Avg``, so there is one source of truth; the trace says the fallback was used.
"""

from __future__ import annotations

import math
from typing import Optional

from ..physics import constants as C
from ..physics import power as pw
from ..types import Datacenter, Fleet, GridProfile, HardwareNode, TransformerWorkload, Workload
from ..units import Quantity, si
from ..validation import InputError, check_choice, check_fraction, check_int, check_number, check_type
from .base import Qty, Resolver, Result

__all__ = [
    "EconomicsModel", "EconomicsResult", "SustainabilityModel", "SustainabilityResult", "CheckpointModel",
    "CheckpointResult", "ResponsibleEngineeringModel", "ResponsibleEngineeringResult",
]

_OPT_BYTES = {"adam": C.CHECKPOINT_BYTES_PER_PARAM_ADAM, "adamw": C.CHECKPOINT_BYTES_PER_PARAM_ADAM,
              "sgd": C.CHECKPOINT_BYTES_PER_PARAM_SGD, "none": 2}

_KWH = C.J_PER_KWH
_DAY = 86400.0


# ---------------------------------------------------------------------------------------------
# shared helpers (pure floats)
# ---------------------------------------------------------------------------------------------
def _duration_s(duration_days) -> float:
    """Duration in seconds from a number of days or a time Quantity/string."""
    if isinstance(duration_days, (Quantity, str)):
        return si(duration_days, "time", name="duration_days")
    return check_number("duration_days", duration_days, minimum=0.0, exclusive_minimum=True) * _DAY


def _fleet_parts(fleet) -> tuple[HardwareNode, int, str]:
    """(accelerator, N accelerators, label) for a Fleet or a single HardwareNode (N = 1)."""
    check_type("fleet", fleet, (Fleet, HardwareNode))
    if isinstance(fleet, HardwareNode):
        return fleet, 1, fleet.name
    return fleet.node.accelerator, fleet.total_accelerators, fleet.name


def _region(fleet, grid, datacenter):
    """Resolve (name, CI g/kWh, WUE L/kWh, $/kWh, PUE, trace) from explicit args, then the fleet.

    Precedence: ``datacenter`` argument (a Datacenter, or a GridProfile passed as the site) →
    ``grid`` argument → fleet.datacenter → fleet.region → the zoo grid ``Grids.US_Avg`` (367 gCO2/kWh,
    PUE 1.40, WUE 1.8 L/kWh, $0.08/kWh; :func:`fallback_grid`). PUE follows the same chain (datacenter
    override → grid typical PUE).
    """
    if datacenter is not None:
        check_type("datacenter", datacenter, (Datacenter, GridProfile))
    if grid is not None:
        check_type("grid", grid, GridProfile)
    site = datacenter
    if site is None and grid is None and isinstance(fleet, Fleet):
        site = fleet.datacenter or fleet.region
    g = site.grid if isinstance(site, Datacenter) else (site if site is not None else grid)
    if g is None:
        g = fallback_grid()
        ci, pue = g.carbon_intensity_g_kwh, g.pue
        return (g.name, ci, g.wue_l_kwh, g.price_usd_kwh, pue,
                f"No region given: fallback grid Grids.{C.FALLBACK_GRID_KEY} ({g.name}) {ci:g} gCO2/kWh, PUE {pue:g}")
    pue = site.pue if isinstance(site, Datacenter) else g.pue
    wue = site.wue_l_kwh if isinstance(site, Datacenter) else g.wue_l_kwh
    name = site.name if isinstance(site, Datacenter) else g.name
    return name, g.carbon_intensity_g_kwh, float(wue), g.price_usd_kwh, pue, f"Region {name}: CI {g.carbon_intensity_g_kwh:g} gCO2/kWh, PUE {pue:g}"


def fallback_grid() -> GridProfile:
    """The grid used when no region is given anywhere: the zoo row ``Grids.US_Avg`` (built once, cached by the zoo)."""
    from ..zoo import Grids  # noqa: PLC0415 - the zoo imports the types; resolved lazily, on first fallback

    return Grids.get(C.FALLBACK_GRID_KEY)


def accelerator_power_w(tdp_w: float, mfu: float) -> float:
    """P = TDP · (0.30 + 0.70·MFU): idle floor plus a utilisation-proportional part (seed paper §4)."""
    return pw.paper_accelerator_power(tdp_w, mfu)


def _energy(fleet, hw: HardwareNode, n: int, seconds: float, mfu: float, busy: float, model: str):
    """(IT power of the whole fleet [W], IT energy [J], note or None, description) under ``model``."""
    tdp = hw.si.tdp
    note = None
    if tdp <= 0:
        tdp = C.FALLBACK_TDP_W
        note = f"{hw.name} has no TDP: assuming {C.FALLBACK_TDP_W:g} W"
    if model == "paper":
        p = pw.paper_accelerator_power(tdp, mfu)
        return p * n, p * n * seconds, note, f"{n} × {hw.name} at {p:.0f} W (MFU {mfu:.2f}, seed-paper power)"
    if isinstance(fleet, Fleet):
        per_node, nodes, rated = fleet.node.accelerators_per_node, fleet.count, fleet.node.rated_power_si
    else:
        per_node, nodes, rated = 1, 1, 0.0
    p_node = pw.node_power(per_node, tdp, busy, rated)
    host = pw.host_power(per_node, tdp, rated)
    total = p_node * nodes
    src = "from its rating" if rated > 0 else "default 0.5 × TDP"
    return total, total * seconds, note, (f"{nodes} node(s) × ({per_node} × {hw.name} at "
                                          f"{pw.busy_accelerator_power(tdp, busy):.0f} W busy {busy:.2f} + host "
                                          f"{host:.0f} W {src}) = {total / 1e3:,.1f} kW IT")


# ---------------------------------------------------------------------------------------------
# Wall 18 — Sustainability
# ---------------------------------------------------------------------------------------------
class SustainabilityResult(Result):
    it_energy_kwh: Qty("kWh")
    total_energy_kwh: Qty("kWh")
    carbon_footprint_kg: Qty("kgCO2")
    embodied_carbon_kg: Qty("kgCO2")
    total_carbon_kg: Qty("kgCO2")
    water_usage_liters: Qty("L")
    average_power_kw: Qty("kW")
    carbon_intensity: Qty("gCO2/kWh")
    pue: float
    region_name: str


class SustainabilityModel(Resolver):
    """Wall 18 — Sustainability: energy, operational carbon and water of running a fleet.

    P_node = n·TDP·(0.3 + 0.7·u) + P_host  (u = ``busy_fraction``, default 1: a running job keeps its devices busy;
             P_host = 0.82·P_rated − n·TDP from the node's datasheet rating, else 0.5·n·TDP — physics/power.py)
    E_IT = P_node·N_nodes·t; E = E_IT·PUE; CO₂ = E·CI; water = E_IT·WUE (WUE is litres per IT kWh);
    embodied = N × per-device embodied carbon (reported separately, not amortised — a one-off manufacturing cost).
    ``power_model="paper"``: P = TDP·(0.30 + 0.70·MFU) per accelerator and water = E·WUE, the seed paper's
    formulas (§4 wall 18); ``mfu`` only matters there. (Patterson et al. 2021; Latif et al. 2024.)
    Region: ``datacenter`` → ``grid`` → fleet.datacenter → fleet.region → zoo ``Grids.US_Avg`` (367 gCO2/kWh,
    PUE 1.40, WUE 1.8 L/kWh). PUE comes from the datacenter (override), else that grid's typical PUE.
    An accelerator without a TDP is charged 700 W (H100 SXM; the trace says so).
    """

    walls = (18,)
    kind = "model"
    result_type = SustainabilityResult
    equation = "CO₂ = E_IT × PUE × CI; water = E_IT × WUE; P_node = n·TDP(0.3 + 0.7u) + P_host"

    def solve(self, *, fleet, duration_days, datacenter=None, grid=None, mfu: float = 1.0,
              embodied_carbon_per_device=None, power_model: str = "node",
              busy_fraction: float = 1.0) -> SustainabilityResult:
        hw, n, label = _fleet_parts(fleet)
        t = _duration_s(duration_days)
        u = check_fraction("mfu", mfu)
        model = check_choice("power_model", power_model, pw.POWER_MODELS)
        busy = check_fraction("busy_fraction", busy_fraction)
        name, ci, wue, _price, pue, rtrace = _region(fleet, grid, datacenter)
        if embodied_carbon_per_device is None:
            emb_kg = hw.si.embodied_kg
        elif isinstance(embodied_carbon_per_device, (int, float)) and not isinstance(embodied_carbon_per_device, bool):
            emb_kg = check_number("embodied_carbon_per_device", embodied_carbon_per_device, minimum=0.0)
        else:
            q = embodied_carbon_per_device
            kind = "emissions" if getattr(q, "dimensionality", None) == Quantity(1, "gCO2").dimensionality else "mass"
            emb_kg = si(q, kind, name="embodied_carbon_per_device", allow_zero=True) / 1000.0 if kind == "emissions" \
                else si(q, "mass", name="embodied_carbon_per_device", allow_zero=True)
        p_it, it_j, note, desc = _energy(fleet, hw, n, t, u, busy, model)
        total_j = it_j * pue
        total_kwh = total_j / _KWH
        carbon_g = total_kwh * ci
        emb_g = emb_kg * 1000.0 * n
        water_kwh = total_kwh if model == "paper" else it_j / _KWH
        water_l = water_kwh * wue
        trace = [rtrace, f"{desc} for {t / 3600:.0f} h → {it_j / _KWH:,.0f} kWh IT × PUE {pue:g} = "
                         f"{total_kwh:,.0f} kWh",
                 f"Operational carbon {carbon_g / 1e6:,.2f} tCO2; water {water_l:,.0f} L "
                 f"({'facility' if model == 'paper' else 'IT'} kWh × WUE {wue:g} L/kWh)"]
        if note:
            trace.insert(0, note)
        return SustainabilityResult.build(
            it_energy_kwh=it_j, total_energy_kwh=total_j, carbon_footprint_kg=carbon_g, embodied_carbon_kg=emb_g,
            total_carbon_kg=carbon_g + emb_g, water_usage_liters=water_l * 1e-3,
            average_power_kw=p_it * pue, carbon_intensity=ci / _KWH, pue=pue, region_name=name,
            feasible=True, binding_wall=18, trace=trace,
        )


# ---------------------------------------------------------------------------------------------
# Wall 17 — Capital
# ---------------------------------------------------------------------------------------------
class EconomicsResult(Result):
    capex_usd: Qty("USD")
    capex_total_usd: Qty("USD")
    opex_energy_usd: Qty("USD")
    opex_maintenance_usd: Qty("USD")
    total_opex_usd: Qty("USD")
    tco_usd: Qty("USD")
    it_energy_kwh: Qty("kWh")
    total_energy_kwh: Qty("kWh")
    carbon_footprint_kg: Qty("kgCO2")
    water_usage_liters: Qty("L")
    kwh_price: Qty("USD/kWh")
    cost_per_accelerator_hour: Qty("USD/hour")
    pue: float
    region_name: str


class EconomicsModel(Resolver):
    """Wall 17 — Capital: total cost of ownership over a period.

    CapEx_total = unit_cost × N × infrastructure_multiplier; CapEx_period = CapEx_total / amortisation_years × t/1 yr;
    OpEx_energy = E_facility × price; OpEx_maint = CapEx_total × 5 %/yr × t/1 yr;
    TCO = CapEx_period + OpEx_energy + OpEx_maint. (Seed paper §4 wall 17; straight-line amortisation.)
    Energy comes from :class:`SustainabilityModel` (same ``power_model``/``busy_fraction``). Price: ``kwh_price`` → site/grid price → the fallback grid
    ``Grids.US_Avg`` ($0.08/kWh, EIA 2023 industrial; same region chain as SustainabilityModel).
    A device without a unit cost contributes $0 CapEx (the trace says so).
    """

    walls = (17,)
    kind = "model"
    result_type = EconomicsResult
    equation = "TCO = CapEx/amortisation·t + E·price + 5 %·CapEx·t"

    def solve(self, *, fleet, duration_days, grid=None, datacenter=None, mfu: float = 1.0, kwh_price=None,
              amortization_years: float = C.AMORTIZATION_YEARS, infrastructure_multiplier: float = 1.0,
              power_model: str = "node", busy_fraction: float = 1.0) -> EconomicsResult:
        hw, n, _ = _fleet_parts(fleet)
        t = _duration_s(duration_days)
        years = check_number("amortization_years", amortization_years, minimum=0.0, exclusive_minimum=True)
        mult = check_number("infrastructure_multiplier", infrastructure_multiplier, minimum=0.0, exclusive_minimum=True)
        sus = SustainabilityModel().solve(fleet=fleet, duration_days=t / _DAY, datacenter=datacenter, grid=grid, mfu=mfu,
                                          embodied_carbon_per_device=0.0, power_model=power_model,
                                          busy_fraction=busy_fraction)
        _, _, _, site_price, _, _ = _region(fleet, grid, datacenter)
        if kwh_price is not None:
            price_si = si(kwh_price, "energy_price", name="kwh_price", allow_zero=True)  # USD per J
        else:
            price_si = site_price / _KWH
        total_j = float(sus.total_energy_kwh.magnitude) * _KWH
        frac_year = t / C.SECONDS_PER_YEAR
        capex_total = hw.si.unit_cost * n * mult
        capex = capex_total / years * frac_year
        energy_usd = total_j * price_si
        maint = capex_total * C.MAINTENANCE_FRACTION_PER_YEAR * frac_year
        opex = energy_usd + maint
        tco = capex + opex
        trace = list(sus.trace)
        if hw.si.unit_cost <= 0:
            trace.append(f"{hw.name} has no unit cost: CapEx counted as $0")
        trace.append(f"CapEx ${capex_total:,.0f} over {years:g} y → ${capex:,.0f} for {t / _DAY:g} d; energy ${energy_usd:,.0f} "
                     f"at ${price_si * _KWH:.3f}/kWh; maintenance ${maint:,.0f}; TCO ${tco:,.0f}")
        return EconomicsResult.build(
            capex_usd=capex, capex_total_usd=capex_total, opex_energy_usd=energy_usd, opex_maintenance_usd=maint,
            total_opex_usd=opex, tco_usd=tco, it_energy_kwh=sus.it_energy_kwh, total_energy_kwh=sus.total_energy_kwh,
            carbon_footprint_kg=sus.carbon_footprint_kg, water_usage_liters=sus.water_usage_liters,
            kwh_price=price_si, cost_per_accelerator_hour=tco / (n * t), pue=sus.pue, region_name=sus.region_name,
            feasible=True, binding_wall=17, trace=trace,
        )


# ---------------------------------------------------------------------------------------------
# Wall 19 — Checkpoint
# ---------------------------------------------------------------------------------------------
class CheckpointResult(Result):
    checkpoint_size: Qty("GB")
    write_time: Qty("s")
    effective_bandwidth: Qty("GB/s")
    checkpoint_interval: Qty("hour")
    mfu_penalty: float
    storage_bottleneck: bool
    limiting_path: str


class CheckpointModel(Resolver):
    """Wall 19 — Checkpoint: what saving training state costs.

    size = P × b_ckpt (Adam/AdamW 14 B/param = fp16 weights 2 + fp32 master, m, v 12; SGD 4; none 2);
    BW_eff = min(BW_storage × n_writers, BW_filesystem); T_write = size / BW_eff;
    MFU_penalty = T_write / T_interval (blocking writes). (Seed paper §4 wall 19; Rajbhandari 2020 for
    the 16-bit + fp32-state byte count.) ``storage_bottleneck`` flags writes longer than 60 s; a write that
    takes as long as the interval is infeasible (the job would only checkpoint).
    """

    walls = (19,)
    kind = "model"
    result_type = CheckpointResult
    equation = "MFU_penalty = T_write / T_interval; T_write = P·14 B / min(n·BW_disk, BW_fs)"

    def solve(self, *, model, hardware, optimizer: str = "adam", checkpoint_interval="4 hour", n_writers: int = 1,
              filesystem_bandwidth=None) -> CheckpointResult:
        check_type("model", model, Workload)
        check_type("hardware", hardware, HardwareNode)
        opt = check_choice("optimizer", optimizer, _OPT_BYTES)
        interval = si(checkpoint_interval, "time", name="checkpoint_interval")
        writers = check_int("n_writers", n_writers)
        fs = C.DEFAULT_FILESYSTEM_BW if filesystem_bandwidth is None else si(filesystem_bandwidth, "bandwidth",
                                                                           name="filesystem_bandwidth")
        size = model.parameters * _OPT_BYTES[opt]
        trace = [f"Checkpoint {model.parameters / 1e9:.3g} B params × {_OPT_BYTES[opt]} B ({opt}) = {size / 1e9:,.1f} GB"]
        disk = hardware.si.storage_bw
        if disk <= 0:
            disk = C.FALLBACK_STORAGE_BW
            trace.append(f"{hardware.name} has no storage bandwidth: assuming {disk / 1e9:g} GB/s per writer")
        agg = disk * writers
        bw, path = (agg, "device storage") if agg <= fs else (fs, "filesystem")
        t_w = size / bw
        penalty = t_w / interval
        feasible = t_w < interval
        trace.append(f"Write {size / 1e9:,.1f} GB at {bw / 1e9:,.1f} GB/s ({path}) = {t_w:,.1f} s every "
                     f"{interval / 3600:g} h → MFU penalty {penalty:.2%}")
        if not feasible:
            trace.append("Checkpoint wall: writing a checkpoint takes longer than the interval — INFEASIBLE")
        return CheckpointResult.build(
            checkpoint_size=size, write_time=t_w, effective_bandwidth=bw, checkpoint_interval=interval,
            mfu_penalty=penalty, storage_bottleneck=t_w > C.CHECKPOINT_STALL_THRESHOLD_S, limiting_path=path,
            feasible=feasible, binding_wall=19, trace=trace,
        )


# ---------------------------------------------------------------------------------------------
# Wall 20 — Safety (responsible engineering)
# ---------------------------------------------------------------------------------------------
class ResponsibleEngineeringResult(Result):
    dp_slowdown_factor: float
    dp_slowdown_low: float
    dp_slowdown_high: float
    base_training_time: Qty("hour")
    effective_training_time: Qty("hour")
    effective_training_time_low: Qty("hour")
    effective_training_time_high: Qty("hour")
    additional_data_factor: float
    noise_multiplier: float
    epsilon: float
    delta: float
    min_subgroup_prevalence: float


class ResponsibleEngineeringModel(Resolver):
    """Wall 20 — Safety: the compute cost of differential privacy and the data cost of fairness.

    DP-SGD slowdown ≈ 1 + c/ε, central c = 2 (seed paper §4 wall 20), reported as a RANGE c ∈ [1, 4]:
    ε = 1 → 2×–5× (central 3×). The band brackets published DP-SGD overheads — per-example gradient
    clipping costs ~1.1–7× per step depending on framework and vectorisation (Subramani et al. 2021;
    Yousefpour et al. 2021, Opacus) — plus the extra steps/larger batches needed for utility at small ε
    (Abadi et al. 2016; De et al. 2022). A rule of thumb, not a law: treat the range as the answer.
    Gaussian-mechanism noise multiplier σ = √(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Thm A.1; single release,
    shown for intuition). Fairness: to see a subgroup of prevalence p as often as a balanced dataset
    would, collect 1/p × more data (additional_data_factor).
    """

    walls = (20,)
    kind = "model"
    result_type = ResponsibleEngineeringResult
    equation = "slowdown ≈ 1 + c/ε, c ∈ [1, 4] (central 2); data × 1/p_min"

    def solve(self, *, base_training_time, epsilon: float = 1.0, delta: float = 1e-5,
              min_subgroup_prevalence: float = 0.01) -> ResponsibleEngineeringResult:
        t = si(base_training_time, "time", name="base_training_time")
        eps = check_number("epsilon", epsilon, minimum=0.0, exclusive_minimum=True)
        dlt = check_fraction("delta", delta, allow_zero=False, allow_one=False)
        p = check_fraction("min_subgroup_prevalence", min_subgroup_prevalence, allow_zero=False)
        central = 1.0 + C.DP_SGD_SLOWDOWN_COEFF / eps
        low = 1.0 + C.DP_SLOWDOWN_COEFF_LOW / eps
        high = 1.0 + C.DP_SLOWDOWN_COEFF_HIGH / eps
        sigma = math.sqrt(2.0 * math.log(1.25 / dlt)) / eps
        data = 1.0 / p
        trace = [f"DP-SGD at ε={eps:g}, δ={dlt:g}: slowdown {low:.2f}×–{high:.2f}× (central {central:.2f}×)",
                 f"Training time {t / 3600:,.1f} h → {t * central / 3600:,.1f} h (range {t * low / 3600:,.1f}–"
                 f"{t * high / 3600:,.1f} h)",
                 f"Smallest subgroup {p:.2%} of data → {data:,.0f}× data to match a balanced subgroup"]
        return ResponsibleEngineeringResult.build(
            dp_slowdown_factor=central, dp_slowdown_low=low, dp_slowdown_high=high, base_training_time=t,
            effective_training_time=t * central, effective_training_time_low=t * low,
            effective_training_time_high=t * high, additional_data_factor=data, noise_multiplier=sigma,
            epsilon=eps, delta=dlt, min_subgroup_prevalence=p, feasible=True, binding_wall=20, trace=trace,
        )
