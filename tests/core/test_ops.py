"""Walls 17–20: EconomicsModel, SustainabilityModel, CheckpointModel, ResponsibleEngineeringModel.

Hand-built hardware (not the zoo) so every expected number is derived in the comments.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsysim_core import Q_
from mlsysim_core.resolvers.ops import (
    CheckpointModel, EconomicsModel, ResponsibleEngineeringModel, SustainabilityModel, accelerator_power_w,
)
from mlsysim_core.types import (
    ComputeCore, Datacenter, Fleet, GridProfile, HardwareNode, MemoryHierarchy, NetworkFabric, Node,
    StorageHierarchy, TransformerWorkload,
)
from mlsysim_core.validation import InputError
from mlsysim_core.zoo import Grids

GPU = HardwareNode(
    name="TestGPU", compute=ComputeCore(peak_flops="1000 TFLOP/s"),
    memory=MemoryHierarchy(capacity="80 GB", bandwidth="4 TB/s"), tdp="1000 W", unit_cost="30000 USD",
    storage=StorageHierarchy(capacity="4 TB", bandwidth="5 GB/s"),
)
BARE = HardwareNode(name="Bare", compute=ComputeCore(peak_flops="1 TFLOP/s"),
                    memory=MemoryHierarchy(capacity="1 GB", bandwidth="100 GB/s"))
NODE = Node(name="n8", accelerator=GPU, accelerators_per_node=8, intra_node_bw="900 GB/s")
HYDRO = GridProfile(name="Hydro", carbon_intensity="20 gCO2/kWh", pue=1.1, wue="0.5 L/kWh",
                    electricity_price="0.05 USD/kWh")
COAL = GridProfile(name="Coal", carbon_intensity="800 gCO2/kWh", pue=1.5, wue="2 L/kWh")
IB = NetworkFabric(name="ib", bandwidth="50 GB/s")
FLEET = Fleet(name="f", node=NODE, count=10, fabric=IB, region=HYDRO)  # 80 GPUs
BARE_FLEET = Fleet(name="bare", node=Node(name="b", accelerator=BARE, accelerators_per_node=1, intra_node_bw="1 GB/s"),
                   count=1, fabric=IB)
MODEL = TransformerWorkload(name="m10b", parameters=10e9, layers=40, hidden_dim=5120, heads=40)


def mag(q, unit):
    return q.to(unit).magnitude


# ---------------- power ----------------
def test_power_law():
    # P = TDP (0.3 + 0.7 MFU): 1000 W at MFU 0 → 300 W, at 1 → 1000 W, at 0.5 → 650 W
    assert accelerator_power_w(1000, 0.0) == pytest.approx(300)
    assert accelerator_power_w(1000, 1.0) == pytest.approx(1000)
    assert accelerator_power_w(1000, 0.5) == pytest.approx(650)


# ---------------- sustainability ----------------
def test_sustainability_hand_numbers():
    r = SustainabilityModel().solve(power_model="paper", fleet=FLEET, duration_days=10, mfu=0.5)
    # 80 GPUs × 650 W × 240 h = 12 480 kWh IT; × PUE 1.1 = 13 728 kWh
    assert mag(r.it_energy_kwh, "kWh") == pytest.approx(12_480)
    assert mag(r.total_energy_kwh, "kWh") == pytest.approx(13_728)
    # carbon = 13 728 kWh × 20 g/kWh = 274.56 kg; water = 13 728 × 0.5 = 6 864 L
    assert mag(r.carbon_footprint_kg, "kgCO2") == pytest.approx(274.56)
    assert mag(r.water_usage_liters, "L") == pytest.approx(6_864)
    assert r.pue == 1.1 and r.region_name == "Hydro" and r.binding_wall == 18 and r.feasible


def test_sustainability_region_precedence():
    # datacenter argument beats fleet region; a GridProfile is accepted as the site
    dc = Datacenter(name="CoalDC-liquid", grid=COAL, pue_override=1.2)
    r = SustainabilityModel().solve(power_model="paper", fleet=FLEET, duration_days=1, datacenter=dc, mfu=1.0)
    assert r.pue == 1.2 and r.region_name == "CoalDC-liquid"
    # 80 kW × 24 h = 1 920 kWh × 1.2 = 2 304 kWh × 0.8 kg/kWh = 1 843.2 kg
    assert mag(r.carbon_footprint_kg, "kgCO2") == pytest.approx(1843.2)
    r2 = SustainabilityModel().solve(power_model="paper", fleet=FLEET, duration_days=1, datacenter=COAL, mfu=1.0)
    assert r2.pue == 1.5 and r2.region_name == "Coal"
    r3 = SustainabilityModel().solve(power_model="paper", fleet=FLEET, duration_days=1, grid=COAL, mfu=1.0)
    assert r3.region_name == "Coal"


def test_sustainability_fallbacks_and_embodied():
    # no region, no TDP → 700 W and the zoo grid Grids.US_Avg (EIA 2023: 367 g/kWh, PUE 1.40, WUE 1.8 L/kWh):
    # 1 device × 700 W × 24 h = 16.8 kWh IT × 1.40 = 23.52 kWh × 0.367 kg/kWh = 8.632 kg; water 23.52 × 1.8 = 42.3 L
    r = SustainabilityModel().solve(power_model="paper", fleet=BARE_FLEET, duration_days=1, mfu=1.0, embodied_carbon_per_device=Q_(150, "kg"))
    assert mag(r.it_energy_kwh, "kWh") == pytest.approx(16.8)
    assert r.pue == 1.40
    assert mag(r.carbon_footprint_kg, "kgCO2") == pytest.approx(16.8 * 1.40 * 0.367)
    assert mag(r.water_usage_liters, "L") == pytest.approx(16.8 * 1.40 * 1.8)
    assert r.region_name == Grids.US_Avg.name == "US Average"
    assert any("Grids.US_Avg" in t for t in r.trace)
    # the fallback IS the zoo row: same numbers as passing grid=Grids.US_Avg explicitly
    explicit = SustainabilityModel().solve(power_model="paper", fleet=BARE_FLEET, duration_days=1, mfu=1.0, grid=Grids.US_Avg,
                                           embodied_carbon_per_device=Q_(150, "kg"))
    assert explicit.carbon_footprint_kg == r.carbon_footprint_kg and explicit.pue == r.pue
    assert mag(r.embodied_carbon_kg, "kgCO2") == pytest.approx(150)
    assert any("no TDP" in t for t in r.trace)


def test_cleaner_grid_less_carbon():
    a = SustainabilityModel().solve(fleet=FLEET, duration_days=30, grid=HYDRO, mfu=0.4)
    b = SustainabilityModel().solve(fleet=FLEET, duration_days=30, grid=COAL, mfu=0.4)
    assert a.carbon_footprint_kg < b.carbon_footprint_kg


def test_node_power_model_hand_numbers():
    # default power_model="node": NODE has no rating → host = 0.5 × 8 × 1000 W = 4 kW; busy accelerators draw TDP
    # P_node = 8 kW + 4 kW = 12 kW; 10 nodes × 12 kW × 240 h = 28 800 kWh IT, whatever the MFU
    r = SustainabilityModel().solve(fleet=FLEET, duration_days=10, mfu=0.5)
    assert mag(r.it_energy_kwh, "kWh") == pytest.approx(28_800)
    assert mag(r.total_energy_kwh, "kWh") == pytest.approx(28_800 * 1.1)
    # WUE is litres per IT kWh: 28 800 × 0.5 = 14 400 L (not 28 800 × 1.1 × 0.5)
    assert mag(r.water_usage_liters, "L") == pytest.approx(14_400)
    assert r.it_energy_kwh == SustainabilityModel().solve(fleet=FLEET, duration_days=10, mfu=0.1).it_energy_kwh
    # half-busy devices: 8 × 1000 × (0.3 + 0.7·0.5) + 4000 = 9 200 W per node
    h = SustainabilityModel().solve(fleet=FLEET, duration_days=10, busy_fraction=0.5)
    assert mag(h.it_energy_kwh, "kWh") == pytest.approx(10 * 9.2 * 240)
    # a rated node: host = 0.82 × 10.2 kW − 8 × 1 kW = 0.364 kW
    rated = Node(name="r8", accelerator=GPU, accelerators_per_node=8, intra_node_bw="900 GB/s", rated_power="10.2 kW")
    r2 = SustainabilityModel().solve(fleet=Fleet(name="r", node=rated, count=1, fabric=IB, region=HYDRO),
                                     duration_days=1)
    assert mag(r2.it_energy_kwh, "kWh") == pytest.approx((8.0 + 0.82 * 10.2 - 8.0) * 24)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 16), tdp=st.floats(1.0, 2000.0), busy=st.floats(0.0, 1.0), rated=st.floats(0.0, 50_000.0))
def test_node_power_never_below_accelerator_power(n, tdp, busy, rated):
    from mlsysim_core.physics import power

    assert power.node_power(n, tdp, busy, rated) >= n * power.busy_accelerator_power(tdp, busy) >= 0.0


# ---------------- economics ----------------
def test_economics_hand_numbers():
    r = EconomicsModel().solve(power_model="paper", fleet=FLEET, duration_days=365, mfu=0.5)
    # CapEx total = 80 × $30 000 = $2.4 M; one year of 3-year amortisation = $800 000
    assert mag(r.capex_usd, "USD") == pytest.approx(800_000)
    # maintenance = 5 % × 2.4 M = $120 000
    assert mag(r.opex_maintenance_usd, "USD") == pytest.approx(120_000)
    # energy: 80 × 650 W × 8 760 h = 455 520 kWh × 1.1 = 501 072 kWh × $0.05 = $25 053.60
    assert mag(r.opex_energy_usd, "USD") == pytest.approx(25_053.6)
    assert mag(r.tco_usd, "USD") == pytest.approx(800_000 + 120_000 + 25_053.6)
    assert mag(r.total_opex_usd, "USD") == pytest.approx(145_053.6)
    assert r.binding_wall == 17


def test_economics_price_override_and_multiplier():
    r = EconomicsModel().solve(power_model="paper", fleet=FLEET, duration_days=365, mfu=0.5, kwh_price=Q_(0.10, "USD/kWh"),
                               infrastructure_multiplier=2.0, amortization_years=4)
    assert mag(r.opex_energy_usd, "USD") == pytest.approx(50_107.2)
    assert mag(r.capex_usd, "USD") == pytest.approx(4_800_000 / 4)
    r0 = EconomicsModel().solve(power_model="paper", fleet=BARE_FLEET, duration_days=1)
    assert mag(r0.capex_usd, "USD") == 0 and any("no unit cost" in t for t in r0.trace)


def test_economics_no_region_uses_the_zoo_us_average_grid():
    # 1 × 1000 W × 24 h = 24 kWh IT × PUE 1.40 = 33.6 kWh × $0.08/kWh (Grids.US_Avg, EIA 2023 industrial) = $2.688
    r = EconomicsModel().solve(power_model="paper", fleet=GPU, duration_days=1, mfu=1.0)
    assert mag(r.opex_energy_usd, "USD") == pytest.approx(33.6 * 0.08)
    assert mag(r.kwh_price, "USD/kWh") == pytest.approx(Grids.US_Avg.price_usd_kwh) == pytest.approx(0.08)
    assert r.pue == Grids.US_Avg.pue and r.region_name == Grids.US_Avg.name


def test_economics_accepts_single_device_and_quantity_duration():
    a = EconomicsModel().solve(fleet=GPU, duration_days=Q_(2, "day"))
    b = EconomicsModel().solve(fleet=GPU, duration_days=2)
    assert a.tco_usd.magnitude == pytest.approx(b.tco_usd.magnitude)


@pytest.mark.parametrize("kw,field", [
    ({"duration_days": 0}, "duration_days"), ({"duration_days": -3}, "duration_days"),
    ({"mfu": 1.5}, "mfu"), ({"kwh_price": Q_(1, "GB")}, "kwh_price"), ({"amortization_years": 0}, "amortization_years"),
    ({"grid": "Quebec"}, "grid"), ({"fleet": "DGX"}, "fleet"), ({"duration_days": float("nan")}, "duration_days"),
])
def test_economics_invalid(kw, field):
    args = {"fleet": FLEET, "duration_days": 30} | kw
    with pytest.raises(InputError) as e:
        EconomicsModel().solve(**args)
    assert e.value.field == field


# ---------------- checkpoint ----------------
def test_checkpoint_hand_numbers():
    r = CheckpointModel().solve(model=MODEL, hardware=GPU, checkpoint_interval=Q_(1, "hour"))
    # 10 B params × 14 B = 140 GB at 5 GB/s = 28 s; penalty 28/3600
    assert mag(r.checkpoint_size, "GB") == pytest.approx(140)
    assert mag(r.write_time, "s") == pytest.approx(28)
    assert r.mfu_penalty == pytest.approx(28 / 3600)
    assert not r.storage_bottleneck and r.limiting_path == "device storage" and r.binding_wall == 19


def test_checkpoint_writers_and_filesystem_cap():
    # 200 writers × 5 GB/s = 1 TB/s capped by a 100 GB/s filesystem → 1.4 s
    r = CheckpointModel().solve(model=MODEL, hardware=GPU, n_writers=200, filesystem_bandwidth="100 GB/s")
    assert mag(r.write_time, "s") == pytest.approx(1.4) and r.limiting_path == "filesystem"
    sgd = CheckpointModel().solve(model=MODEL, hardware=GPU, optimizer="SGD")
    assert mag(sgd.checkpoint_size, "GB") == pytest.approx(40)


def test_checkpoint_fallback_bandwidth_bottleneck_and_infeasible():
    # no storage figure → 1 GB/s: 140 s > 60 s → bottleneck
    r = CheckpointModel().solve(model=MODEL, hardware=BARE, checkpoint_interval="1 hour")
    assert mag(r.write_time, "s") == pytest.approx(140) and r.storage_bottleneck
    bad = CheckpointModel().solve(model=MODEL, hardware=BARE, checkpoint_interval="1 min")
    assert not bad.feasible and bad.binding_wall == 19 and bad.mfu_penalty > 1


@pytest.mark.parametrize("kw,field", [
    ({"optimizer": "lion"}, "optimizer"), ({"checkpoint_interval": 4}, "checkpoint_interval"),
    ({"n_writers": 0}, "n_writers"), ({"filesystem_bandwidth": "-1 GB/s"}, "filesystem_bandwidth"),
    ({"model": "llama"}, "model"), ({"hardware": None}, "hardware"),
])
def test_checkpoint_invalid(kw, field):
    with pytest.raises(InputError) as e:
        CheckpointModel().solve(**({"model": MODEL, "hardware": GPU} | kw))
    assert e.value.field == field


# ---------------- responsible engineering ----------------
def test_dp_slowdown_range():
    r = ResponsibleEngineeringModel().solve(base_training_time=Q_(100, "hour"), epsilon=1.0)
    # central 1 + 2/1 = 3; band 1 + 1/ε … 1 + 4/ε = 2 … 5
    assert r.dp_slowdown_factor == 3 and r.dp_slowdown_low == 2 and r.dp_slowdown_high == 5
    assert mag(r.effective_training_time, "hour") == pytest.approx(300)
    assert r.additional_data_factor == pytest.approx(100)
    # σ = √(2 ln(1.25e5)) ≈ 4.845
    assert r.noise_multiplier == pytest.approx(math.sqrt(2 * math.log(1.25 / 1e-5)))
    loose = ResponsibleEngineeringModel().solve(base_training_time="100 hour", epsilon=8.0)
    assert loose.dp_slowdown_factor == pytest.approx(1.25) and loose.dp_slowdown_low < loose.dp_slowdown_high


@pytest.mark.parametrize("kw,field", [
    ({"epsilon": 0}, "epsilon"), ({"delta": 1.0}, "delta"), ({"delta": 0}, "delta"),
    ({"min_subgroup_prevalence": 0}, "min_subgroup_prevalence"), ({"base_training_time": "5 GB"}, "base_training_time"),
])
def test_responsible_invalid(kw, field):
    with pytest.raises(InputError) as e:
        ResponsibleEngineeringModel().solve(**({"base_training_time": "10 hour"} | kw))
    assert e.value.field == field
