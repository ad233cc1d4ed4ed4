"""The seed-paper capstone, run as written with mlsysim_core (the upstream names, `mlsysim` → `mlsysim_core`):
Llama-3-70B on 64 × 8 H100 (DGX H100 nodes, NVLink 900 GB/s, InfiniBand NDR) in Quebec, audited wall by wall.

Asserts physical relations (not golden numbers) and prints a summary table (run with -s to see it).
"""

import pytest

from mlsysim_core import *  # noqa: F403 — the capstone is written against the star import
from mlsysim_core import (  # explicit for linters
    DataModel, DistributedModel, EconomicsModel, Fleet, Grids, Hardware, Models, NetworkFabric, Node, Q_,
    ReliabilityModel, ScalingModel, SensitivitySolver, SingleNodeModel, SustainabilityModel, SynthesisSolver,
)
from mlsysim_core.scenario import AuditRow, audit_table, capstone_audit


@pytest.fixture(scope="module")
def capstone():
    # ----------------------------------------------------------------- the seed capstone, as written
    model = Models.Language.Llama3_70B
    gpu = Hardware.Cloud.H100
    node = Node(name="DGX H100", accelerator=gpu, accelerators_per_node=8, intra_node_bw=Q_("900 GB/s"))
    fabric = NetworkFabric(name="IB NDR", topology="fat_tree", bandwidth=Q_("400 Gbps"))
    fleet = Fleet(name="Capstone", node=node, count=64, fabric=fabric, region=Grids.Quebec)

    node_r = SingleNodeModel().solve(model=model, hardware=gpu, batch_size=1, precision="fp16")
    data_r = DataModel().solve(workload_data_rate=Q_("2 GB/s"), hardware=gpu)
    scale_r = ScalingModel().solve(compute_budget=Q_(6 * 70.6e9 * 15e12, "flop"), target_model_size=70.6e9)
    chin_r = ScalingModel().solve(compute_budget=Q_(6 * 70.6e9 * 15e12, "flop"))
    dist_r = DistributedModel().solve(model=model, fleet=fleet, batch_size=512, precision="bf16", tp_size=8,
                                      pp_size=4, overlap_comm=True, seq_len=4096)
    rel_r = ReliabilityModel().solve(fleet=fleet, job_duration_hours=30 * 24, checkpoint_time_s=60)
    mfu = dist_r.mfu
    econ_r = EconomicsModel().solve(fleet=fleet, duration_days=30, grid=Grids.Quebec, mfu=mfu)
    sus_r = SustainabilityModel().solve(fleet=fleet, duration_days=30, datacenter=Grids.Quebec, mfu=mfu)
    sens_r = SensitivitySolver().solve(model=model, hardware=gpu, precision="fp16")
    syn_r = SynthesisSolver().solve(model=model, target_latency=Q_("20 ms"), precision="fp16")
    return locals()


def test_fleet_shape(capstone):
    assert capstone["fleet"].total_accelerators == 512


def test_node_wall(capstone):
    r = capstone["node_r"]
    # 70.6e9 × 2 B = 141 GB > 80 GiB: one H100 cannot hold the model — the reason for the fleet
    assert r.feasible is False and r.binding_wall == 2
    assert r.memory_footprint.to("GB").magnitude == pytest.approx(141.2, rel=1e-3)
    assert r.bottleneck and r.latency > Q_(0, "ms")
    assert r.arithmetic_intensity.magnitude > 0 and 0 <= r.mfu <= 1


def test_data_wall(capstone):
    r = capstone["data_r"]
    # demand 2 GB/s vs min(NVMe 7 GB/s, PCIe) supply: not stalled
    assert not r.is_stalled and 0 < r.utilization < 1
    assert r.supply_bw >= r.demand_bw and r.bottleneck in ("None", "Storage", "Host link")


def test_scaling_wall(capstone):
    fixed, chin = capstone["scale_r"], capstone["chin_r"]
    # with P fixed at 70.6 B, D = C/(6P) = 15 T tokens → ≈212 tokens/param (Llama 3 over-trains vs Chinchilla's 20)
    assert fixed.optimal_tokens.magnitude == pytest.approx(15e12, rel=1e-9)
    assert fixed.tokens_per_parameter == pytest.approx(15e12 / 70.6e9)
    # compute-optimal for the same budget: bigger model, fewer tokens, D* = 20 P*
    assert chin.optimal_parameters.magnitude > 70.6e9 and chin.tokens_per_parameter == pytest.approx(20)


def test_distributed_wall(capstone):
    r = capstone["dist_r"]
    assert r.feasible
    assert 0 < r.scaling_efficiency <= 1 and 0 <= r.bubble_fraction < 1
    # pipeline bubble with pp = 4 and m = 512/16 = 32 micro-batches: (p−1)/(m+p−1) = 3/35
    assert r.bubble_fraction == pytest.approx(3 / 35)
    assert r.step_latency_total > r.tp_communication_latency > Q_(0, "ms")
    assert r.dp_communication_latency > Q_(0, "ms")
    assert 0.2 < r.mfu <= 0.5  # η = 0.5 is the ceiling


def test_reliability_wall(capstone):
    r = capstone["rel_r"]
    assert r.fleet_mtbf < r.node_mtbf and r.expected_failures > 1  # a month on 64 nodes sees failures
    assert 0 < r.failure_probability <= 1
    # Young: τ = √(2 δ MTBF) with δ = 60 s
    mtbf_s = r.fleet_mtbf.to("s").magnitude
    assert r.optimal_checkpoint_interval.to("s").magnitude == pytest.approx((2 * 60 * mtbf_s) ** 0.5, rel=1e-6)


def test_ops_walls(capstone):
    e, s = capstone["econ_r"], capstone["sus_r"]
    assert e.tco_usd == e.capex_usd + e.total_opex_usd
    assert e.capex_usd > e.opex_energy_usd  # on cheap hydro the GPUs, not the power, dominate
    assert s.region_name.startswith("Quebec") and s.pue == pytest.approx(Grids.Quebec.pue)
    assert s.total_energy_kwh.to("kWh").magnitude == pytest.approx(s.it_energy_kwh.to("kWh").magnitude * s.pue)
    ci = Grids.Quebec.carbon_intensity.to("kgCO2/kWh").magnitude
    assert s.carbon_footprint_kg.to("kgCO2").magnitude == pytest.approx(s.total_energy_kwh.to("kWh").magnitude * ci)
    # the same fleet on Poland's coal grid emits far more
    coal = SustainabilityModel().solve(fleet=capstone["fleet"], duration_days=30, datacenter=Grids.Poland,
                                       mfu=capstone["mfu"])
    assert coal.carbon_footprint_kg > 10 * s.carbon_footprint_kg


def test_analysis_walls(capstone):
    sens, syn = capstone["sens_r"], capstone["syn_r"]
    assert isinstance(sens.sensitivities, dict) and sens.binding_constraint
    # 141.2 GB per token in 20 ms → 7.06 TB/s
    assert syn.required_bw.to("TB/s").magnitude == pytest.approx(141.2e9 / 0.020 / 1e12, rel=1e-3)
    assert syn.required_memory.to("GB").magnitude == pytest.approx(141.2, rel=1e-3)


def test_summary_table_and_audit(capstone):
    c = capstone
    rows = capstone_audit(c["model"], c["fleet"], Grids.Quebec, batch_size=512, precision="bf16", tp_size=8, pp_size=4,
                          seq_len=4096, duration_days=30, checkpoint_time_s=60)
    assert all(isinstance(r, AuditRow) for r in rows)
    domains = [r.domain for r in rows]
    assert domains == sorted(domains, key=["node", "data", "algorithm", "fleet", "operations", "analysis"].index)
    walls = {r.wall for r in rows}
    assert {2, 8, 11, 14, 15, 17, 18, 21, 22} <= walls
    by = {r.metric: r.value for r in rows}
    assert by["fleet MFU"] == pytest.approx(c["dist_r"].mfu)
    assert by["TCO"] == c["econ_r"].tco_usd
    table = audit_table(rows)
    lines = table.splitlines()
    assert lines[0].startswith("┌") and lines[-1].startswith("└") and len({len(x) for x in lines}) == 1
    print("\n" + table)
