"""The public contract (/work/shared/reference/api-contract.md): every name users and instructors type is
importable from ``mlsysim_core``, every call shape of the seed capstone works as written, and every
resolver follows the one protocol.

Instructors port upstream tutorials by replacing ``mlsysim`` with ``mlsysim_core``; a failure here is a
broken promise to them, not a style issue.
"""

import datetime as dt
import importlib
import inspect

import pytest
from pydantic import BaseModel

import mlsysim_core
from mlsysim_core import Q_, ureg

# ------------------------------------------------------------------------------------------------
# names
# ------------------------------------------------------------------------------------------------
CONTRACT_RESOLVERS = (
    "SingleNodeModel", "EfficiencyModel", "ServingModel", "ContinuousBatchingModel", "WeightStreamingModel",
    "TailLatencyModel", "DataModel", "TransformationModel", "TopologyModel", "ScalingModel", "InferenceScalingModel",
    "CompressionModel", "DistributedModel", "ReliabilityModel", "OrchestrationModel", "EconomicsModel",
    "SustainabilityModel", "CheckpointModel", "ResponsibleEngineeringModel", "SensitivitySolver", "SynthesisSolver",
    "ParallelismOptimizer", "BatchingOptimizer", "PlacementOptimizer",
)
ALL_RESOLVERS = CONTRACT_RESOLVERS + ("TrainingMemoryModel",)

CONTRACT_TYPES = (
    "TransformerWorkload", "CNNWorkload", "SparseTransformerWorkload", "SSMWorkload", "DiffusionWorkload",
    "HardwareNode", "ComputeCore", "MemoryHierarchy", "Node", "NetworkFabric", "Fleet", "GridProfile", "Datacenter",
    "Scenario", "SystemEvaluation",
)


def _resolver(name):
    """The resolver class; skip (not fail) only while its domain module has not landed yet."""
    module = mlsysim_core._LAZY.get(name)
    assert module is not None, f"{name} is not exported by mlsysim_core"
    try:
        importlib.import_module(module, "mlsysim_core")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a domain module is missing
        if exc.name and exc.name.startswith("mlsysim_core.resolvers"):
            pytest.skip(f"{module} has not landed yet")
        raise
    return getattr(mlsysim_core, name)


def test_q_and_ureg():
    assert Q_ is ureg.Quantity
    q = Q_("3.35 TB/s")
    assert q.to("GB/s").magnitude == pytest.approx(3350)
    assert "Q_" in mlsysim_core.__all__ and "ureg" in mlsysim_core.__all__


@pytest.mark.parametrize("name", CONTRACT_TYPES + ("Hardware", "Models", "Systems", "Grids", "walls", "InputError"))
def test_top_level_name_importable(name):
    exec(f"from mlsysim_core import {name}", {})
    assert name in dir(mlsysim_core)


@pytest.mark.parametrize("name", ALL_RESOLVERS)
def test_resolver_importable(name):
    cls = _resolver(name)
    exec(f"from mlsysim_core import {name}", {})
    assert inspect.isclass(cls) and cls.__name__ == name


def test_star_import_exposes_the_contract():
    ns: dict = {}
    exec("from mlsysim_core import *", ns)
    for name in ("Q_", "ureg", "Hardware", "Models", "Systems", "Grids", "walls", *CONTRACT_TYPES, *ALL_RESOLVERS):
        assert name in ns, name


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchThing"):
        mlsysim_core.NoSuchThing  # noqa: B018


# ------------------------------------------------------------------------------------------------
# zoos
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "Cloud.H100", "Cloud.A100", "Cloud.B200", "Cloud.MI300X", "Cloud.TPUv5p", "Cloud.CerebrasCS3", "Tiny.ESP32_S3",
])
def test_hardware_names(path):
    from mlsysim_core import HardwareNode, Hardware

    group, key = path.split(".")
    hw = getattr(getattr(Hardware, group), key)
    assert isinstance(hw, HardwareNode)
    assert getattr(Hardware, key) is hw  # flat look-up too
    assert hw.ridge_point().to("flop/byte").magnitude > 0


@pytest.mark.parametrize("group", ["Edge", "Mobile", "Tiny"])
def test_hardware_groups_not_empty(group):
    from mlsysim_core import HardwareNode, Hardware

    entries = list(getattr(Hardware, group))
    assert entries and all(isinstance(hw, HardwareNode) for hw in entries)


@pytest.mark.parametrize("path, cls", [
    ("Language.Llama3_70B", "TransformerWorkload"), ("Language.Llama2_70B", "TransformerWorkload"),
    ("Language.Llama3_405B", "TransformerWorkload"), ("Language.GPT3", "TransformerWorkload"),
    ("Vision.ResNet50", "CNNWorkload"),
])
def test_model_names(path, cls):
    from mlsysim_core import Models

    group, key = path.split(".")
    m = getattr(getattr(Models, group), key)
    assert isinstance(m, getattr(mlsysim_core, cls))


@pytest.mark.parametrize("cls", ["SparseTransformerWorkload", "SSMWorkload", "DiffusionWorkload"])
def test_models_include_an_moe_an_ssm_and_a_diffusion_model(cls):
    from mlsysim_core import Models

    found = [m for m in Models if type(m) is getattr(mlsysim_core, cls)]
    assert found, f"no {cls} in the Models zoo"


@pytest.mark.parametrize("precision", ["fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4", "int4"])
def test_every_workload_lowers(precision):
    from mlsysim_core import Models
    from mlsysim_core.types import ComputationGraph

    for m in Models:
        g = m.lower(precision)
        assert isinstance(g, ComputationGraph), m.name
        assert g.weight_bytes.to("B").magnitude == pytest.approx(m.parameters * g.bytes_per_param)


def test_systems_have_fabrics_nodes_clusters():
    from mlsysim_core import Fleet, NetworkFabric, Node, Systems

    assert all(isinstance(f, NetworkFabric) for f in Systems.Fabrics) and len(Systems.Fabrics) >= 3
    assert all(isinstance(n, Node) for n in Systems.Nodes) and len(Systems.Nodes) >= 1
    assert all(isinstance(c, Fleet) for c in Systems.Clusters) and len(Systems.Clusters) >= 1


@pytest.mark.parametrize("name", ["Quebec", "Poland", "Iowa", "US_Avg", "France", "Norway", "Singapore"])
def test_grids(name):
    from mlsysim_core import GridProfile, Grids

    g = getattr(Grids, name)
    assert isinstance(g, GridProfile)
    assert g.carbon_intensity.to("gCO2/kWh").magnitude >= 0
    assert g.pue >= 1.0
    assert g.wue.to("L/kWh").magnitude >= 0
    assert g.electricity_price.to("USD/kWh").magnitude > 0


def test_grid_ordering_is_physical():
    from mlsysim_core import Grids

    ci = {n: Grids.get(n).carbon_intensity_g_kwh for n in ("Quebec", "Norway", "France", "US_Avg", "Poland")}
    assert ci["Quebec"] < ci["US_Avg"] < ci["Poland"] and ci["Norway"] < ci["US_Avg"] and ci["France"] < ci["US_Avg"]


def _zoo_entries():
    from mlsysim_core import Grids, Hardware, Models, Systems
    from mlsysim_core.zoo import Datacenters

    for zoo in (Hardware, Models, Grids, Datacenters):
        for key, entry in zoo.items():
            yield f"{zoo.label}.{key}", entry
    for gname, group in Systems.groups.items():
        for key, entry in group.items():
            yield f"Systems.{gname}.{key}", entry


def test_every_zoo_entry_carries_provenance():
    missing = []
    for label, entry in _zoo_entries():
        p = getattr(entry, "provenance", None)
        if p is None or not p.source.startswith("http") or not isinstance(p.verified, dt.date):
            missing.append(label)
    assert not missing, f"entries without provenance (source URL + verified date): {missing}"


# ------------------------------------------------------------------------------------------------
# walls
# ------------------------------------------------------------------------------------------------
def test_walls_registry():
    from mlsysim_core import walls

    assert len(walls) == 22
    assert [w.number for w in walls] == list(range(1, 23))
    for w in walls:
        assert w.name and w.domain and w.equation
        assert w.resolver in ALL_RESOLVERS, w
    assert walls[4].resolver == "ServingModel" and walls[14].name == "Communication"
    with pytest.raises(KeyError):
        walls[23]


def test_each_wall_is_resolved_by_its_registered_resolver():
    from mlsysim_core import walls

    for w in walls:
        assert w.number in _resolver(w.resolver).walls, f"wall {w.number} names {w.resolver}"


# ------------------------------------------------------------------------------------------------
# the resolver protocol (all 25)
# ------------------------------------------------------------------------------------------------
_SOURCE_WORDS = ("seed paper", "§", "et al", "Williams", "Hoffmann", "Chinchilla", "Young", "Daly", "Patarasuk",
                 "Kwon", "Korthikanti", "Rajbhandari", "Narayanan", "Erlang", "Kingman", "Patterson", "Leviathan",
                 "Orca", "Megatron")


@pytest.mark.parametrize("name", ALL_RESOLVERS)
def test_resolver_protocol(name):
    from mlsysim_core.resolvers.base import Resolver, Result

    cls = _resolver(name)
    assert issubclass(cls, Resolver)
    assert cls.kind in ("model", "solver", "optimizer")
    assert isinstance(cls.walls, tuple) and all(isinstance(w, int) and 1 <= w <= 22 for w in cls.walls)
    if cls.kind != "optimizer":
        assert cls.walls, f"{name} resolves no wall"
    assert inspect.isclass(cls.result_type) and issubclass(cls.result_type, Result)
    assert issubclass(cls.result_type, BaseModel)
    for field in ("feasible", "binding_wall", "trace"):
        assert field in cls.result_type.model_fields, f"{name}.result_type lacks {field}"
    assert isinstance(cls.equation, str) and cls.equation.strip()
    doc = inspect.getdoc(cls) or ""
    assert any(ch in doc for ch in "=≈≤∝"), f"{name}: docstring shows no equation"
    assert any(w in doc for w in _SOURCE_WORDS) or cls.kind == "optimizer", f"{name}: docstring cites no source"
    # keyword-only inputs
    params = [p for p in inspect.signature(cls.solve).parameters.values() if p.name != "self"]
    assert params and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), name
    d = cls.describe()
    assert d["resolver"] == name and d["walls"] == list(cls.walls)


def test_resolver_counts():
    from mlsysim_core.resolvers import all_resolvers

    reg = all_resolvers()
    kinds = [c.kind for c in reg.values()]
    assert set(ALL_RESOLVERS) <= set(reg), f"awaiting landings: {sorted(set(ALL_RESOLVERS) - set(reg))}"
    assert (len(reg), kinds.count("model"), kinds.count("solver"), kinds.count("optimizer")) == (25, 20, 2, 3), (
        "expected 25 resolvers = 20 models + 2 solvers + 3 optimizers (fails until every domain module has landed); "
        f"have {len(reg)}: {kinds.count('model')} models, {kinds.count('solver')} solvers, "
        f"{kinds.count('optimizer')} optimizers")


# ------------------------------------------------------------------------------------------------
# the seed capstone's call shapes and result fields, as written
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def capstone_fleet():
    from mlsysim_core import Fleet, Grids, Hardware, NetworkFabric, Node

    fleet = Fleet(
        name="Capstone",
        node=Node(name="DGX H100", accelerator=Hardware.Cloud.H100, accelerators_per_node=8,
                  intra_node_bw=Q_("900 GB/s")),
        count=64,
        fabric=NetworkFabric(name="IB NDR", topology="fat_tree", bandwidth=Q_("400 Gbps")),
        region=Grids.Quebec,
    )
    return fleet


def test_fleet_shape(capstone_fleet):
    assert capstone_fleet.total_accelerators == 512


def _assert_fields(result, fields):
    for f in fields:
        assert hasattr(result, f), f"{type(result).__name__} has no field {f!r}"
        assert getattr(result, f) is not None, f"{type(result).__name__}.{f} is None"
    assert isinstance(result.feasible, bool)


def test_single_node_call():
    from mlsysim_core import Hardware, Models

    r = _resolver("SingleNodeModel")().solve(model=Models.Language.Llama3_70B, hardware=Hardware.Cloud.H100,
                                             batch_size=1, precision="fp16")
    _assert_fields(r, ["bottleneck", "latency", "throughput", "arithmetic_intensity", "memory_footprint", "feasible",
                       "mfu"])
    assert r.latency.to("ms").magnitude > 0 and 0 <= r.mfu <= 1


def test_data_call():
    from mlsysim_core import Hardware

    r = _resolver("DataModel")().solve(workload_data_rate=Q_("2 GB/s"), hardware=Hardware.Cloud.H100)
    _assert_fields(r, ["demand_bw", "supply_bw", "utilization", "is_stalled", "bottleneck"])
    assert r.demand_bw.to("GB/s").magnitude == pytest.approx(2)


def test_scaling_call():
    r = _resolver("ScalingModel")().solve(compute_budget=Q_(6 * 70e9 * 15e12, "flop"), target_model_size=70e9)
    _assert_fields(r, ["optimal_parameters", "optimal_tokens", "tokens_per_parameter"])
    assert r.optimal_tokens.magnitude == pytest.approx(15e12)  # D = C/(6P)


def test_distributed_call(capstone_fleet):
    from mlsysim_core import Models

    r = _resolver("DistributedModel")().solve(model=Models.Language.Llama3_70B, fleet=capstone_fleet, batch_size=512,
                                              precision="bf16", tp_size=8, pp_size=4, overlap_comm=True, seq_len=4096)
    _assert_fields(r, ["scaling_efficiency", "step_latency_total", "dp_communication_latency",
                       "tp_communication_latency", "bubble_fraction"])
    assert 0 < r.scaling_efficiency <= 1


def test_reliability_call(capstone_fleet):
    r = _resolver("ReliabilityModel")().solve(fleet=capstone_fleet, job_duration_hours=720, checkpoint_time_s=60)
    _assert_fields(r, ["fleet_mtbf", "failure_probability", "expected_failures", "optimal_checkpoint_interval"])
    assert 0 < r.failure_probability <= 1


def test_economics_call(capstone_fleet):
    from mlsysim_core import Grids

    r = _resolver("EconomicsModel")().solve(fleet=capstone_fleet, duration_days=30, grid=Grids.Quebec, mfu=0.4)
    _assert_fields(r, ["capex_usd", "opex_energy_usd", "opex_maintenance_usd", "tco_usd"])
    total = r.capex_usd + r.opex_energy_usd + r.opex_maintenance_usd
    assert r.tco_usd.to("USD").magnitude == pytest.approx(total.to("USD").magnitude)


def test_sustainability_call(capstone_fleet):
    from mlsysim_core import Grids

    r = _resolver("SustainabilityModel")().solve(fleet=capstone_fleet, duration_days=30, datacenter=Grids.Quebec,
                                                 mfu=0.4)
    _assert_fields(r, ["it_energy_kwh", "total_energy_kwh", "carbon_footprint_kg", "water_usage_liters", "pue",
                       "region_name"])
    assert r.total_energy_kwh.to("kWh").magnitude == pytest.approx(r.it_energy_kwh.to("kWh").magnitude * r.pue)


def test_sustainability_accepts_a_datacenter(capstone_fleet):
    from mlsysim_core.zoo import Datacenters

    r = _resolver("SustainabilityModel")().solve(fleet=capstone_fleet, duration_days=30,
                                                 datacenter=Datacenters.Quebec_Hydro, mfu=0.4)
    assert r.pue == Datacenters.Quebec_Hydro.pue


def test_sensitivity_call():
    from mlsysim_core import Hardware, Models

    r = _resolver("SensitivitySolver")().solve(model=Models.Language.Llama3_70B, hardware=Hardware.Cloud.H100,
                                               precision="fp16")
    _assert_fields(r, ["sensitivities", "binding_constraint"])
    assert isinstance(r.sensitivities, dict) and r.binding_constraint in r.sensitivities


def test_synthesis_call():
    from mlsysim_core import Models

    r = _resolver("SynthesisSolver")().solve(model=Models.Language.Llama3_70B, target_latency=Q_("20 ms"),
                                             precision="fp16")
    _assert_fields(r, ["required_bw", "required_flops", "required_memory"])
    # |W| / T = 70.6e9 × 2 B / 20 ms ≈ 7.06 TB/s
    assert r.required_bw.to("TB/s").magnitude == pytest.approx(Models.Llama3_70B.parameters * 2 / 0.020 / 1e12)


def test_quantities_accepted_as_strings():
    from mlsysim_core import Hardware, Models

    a = _resolver("SynthesisSolver")().solve(model=Models.Language.Llama3_70B, target_latency="20 ms")
    b = _resolver("SynthesisSolver")().solve(model=Models.Language.Llama3_70B, target_latency=Q_(20, "ms"))
    assert a.required_bw == b.required_bw
    d = _resolver("DataModel")().solve(workload_data_rate="2 GB/s", hardware=Hardware.Cloud.H100)
    assert d.demand_bw.to("GB/s").magnitude == pytest.approx(2)


def test_scenario_evaluate():
    from mlsysim_core import Hardware, Models, Scenario, SystemEvaluation

    ev = Scenario(name="contract", workload=Models.Language.Llama3_8B, system=Hardware.Cloud.H100).evaluate()
    assert isinstance(ev, SystemEvaluation)
    assert len(ev.levels) == 3


def test_results_are_pydantic_and_frozen():
    from mlsysim_core import Hardware, Models

    r = _resolver("SingleNodeModel")().solve(model=Models.Language.Llama3_8B, hardware=Hardware.Cloud.H100)
    assert isinstance(r, BaseModel)
    with pytest.raises(Exception):
        r.latency = Q_(1, "ms")
    assert isinstance(r.to_row(), dict) and isinstance(r.model_dump_json(), str)


# ------------------------------------------------------------------------------------------------
# the docs stay in step with the code
# ------------------------------------------------------------------------------------------------
from pathlib import Path  # noqa: E402

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_resolver_and_wall_tables_are_current():
    from mlsysim_core.taxonomy import resolver_table_md, wall_table_md

    text = README.read_text(encoding="utf-8")
    assert resolver_table_md() in text, (
        "README.md: the resolver table is stale; regenerate with python -m mlsysim_core.taxonomy --markdown")
    assert wall_table_md() in text, (
        "README.md: the wall table is stale; regenerate with python -m mlsysim_core.taxonomy --markdown")


def test_readme_zoo_counts_are_floors():
    import re

    from mlsysim_core import Grids, Hardware, Models, Systems
    from mlsysim_core.zoo import Datacenters

    text = README.read_text(encoding="utf-8")
    for zoo in (Hardware, Models, Systems, Grids, Datacenters):
        m = re.search(rf"^\| `{zoo.label}` \| (\d+) \|", text, flags=re.M)
        assert m, f"README.md has no count row for {zoo.label}"
        assert len(zoo) >= int(m.group(1)), f"{zoo.label}: README says {m.group(1)}, zoo has {len(zoo)}"


def test_physics_doc_covers_every_wall_and_resolver():
    from mlsysim_core import walls

    text = (README.parent / "docs" / "physics.md").read_text(encoding="utf-8")
    for w in walls:
        assert f"## Wall {w.number} " in text, f"docs/physics.md has no section for wall {w.number}"
    for name in ALL_RESOLVERS:
        assert name in text, f"docs/physics.md never mentions {name}"
